package io.seedflow.operators;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotRepository;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.function.ThrowingConsumer;

/**
 * Content-addressed snapshots under a Flink {@link FileSystem} directory ({@code file://} here, {@code s3://} or
 * another object store in production): {@code <dir>/<sha256>.safetensors}. A file is written under a temporary name
 * and renamed, and is never rewritten once complete (same name = same bytes); readers verify the SHA-256, so a
 * truncated or foreign file is refused, never loaded.
 *
 * <p>The trainer writes through it and retires old snapshots with it ({@link io.seedflow.operators.internal.SnapshotRetention}); the
 * {@code seedflow replica} command reads through it too, so {@code s3://} works the same on both sides: Flink's S3
 * file system, loaded as a plugin, with the {@code s3.*} settings of the process ({@code FileSystem.initialize}).
 */
public final class FileSystemSnapshotStore implements SnapshotRepository {
    private static final Pattern FILE_NAME = Pattern.compile("[0-9a-f]{64}\\.safetensors");

    private final String directory;
    /** Header facts by file name; names are content addresses, so an entry never goes stale. */
    private final Map<String, Stored> headers = new ConcurrentHashMap<>();

    /**
     * A snapshot in the store, as listed: its id (SHA-256), URI, the model and step its header names, its size and
     * when it was written (the file system's modification time).
     */
    public record Stored(String sha256, String uri, String modelId, long step, long sizeBytes, long modifiedMillis) {
    }

    /** @param directory a Flink FileSystem URI or a local path; the directory is created on first write */
    public FileSystemSnapshotStore(String directory) {
        String d = directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory;
        this.directory = new Path(d).makeQualified(fileSystem(new Path(d))).toString();
    }

    public String directory() {
        return directory;
    }

    /** The URI the snapshot with id {@code sha256} has in this store. */
    @Override
    public String uriOf(String sha256) {
        return directory + "/" + sha256 + ".safetensors";
    }

    /**
     * Stores {@code snapshot} unless a complete copy is already there, streaming it, after its frozen base
     * ({@link #store}); returns its URI.
     */
    public String write(EncodedSnapshot snapshot) {
        return store(snapshot);
    }

    @Override
    public String location() {
        return directory;
    }

    @Override
    public String storeFile(EncodedSnapshot snapshot) {
        return write(snapshot.sha256(), snapshot.sizeBytes(), snapshot::writeTo);
    }

    /** Reads any Flink file system URI ({@link #read(String, String)}), not only this store's. */
    @Override
    public Snapshot loadFile(String uri, String expectedSha256) {
        return read(uri, expectedSha256);
    }

    /** Stores {@code bytes} (whose SHA-256 is {@code sha256}) unless a complete copy is already there; returns its URI. */
    public String write(String sha256, byte[] bytes) {
        return write(sha256, bytes.length, out -> out.write(bytes));
    }

    private String write(String sha256, long sizeBytes, ThrowingConsumer<OutputStream, IOException> content) {
        Path target = new Path(uriOf(sha256));
        FileSystem fs = fileSystem(target);
        try {
            if (fs.exists(target)) {
                FileStatus status = fs.getFileStatus(target);
                if (status.getLen() == sizeBytes) {
                    return target.toString();
                }
                fs.delete(target, false); // a leftover of an interrupted non-atomic upload
            }
            fs.mkdirs(target.getParent());
            Path tmp = new Path(directory + "/." + sha256 + "." + UUID.randomUUID() + ".tmp");
            try (OutputStream out = new BufferedOutputStream(fs.create(tmp, FileSystem.WriteMode.OVERWRITE), 1 << 16)) {
                content.accept(out);
            }
            if (!fs.rename(tmp, target)) {
                fs.delete(tmp, false);
                if (!fs.exists(target)) {
                    throw new IOException("rename of " + tmp + " to " + target + " failed");
                }
            }
            return target.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot " + sha256 + " to " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every snapshot of {@code modelId} in the store, newest (highest step) first; reads the header of each file not
     * seen before. A missing directory is an empty store; a file whose header cannot be read is left out (it is not
     * a snapshot of this model as far as anyone can tell, and it is never deleted).
     */
    public List<Stored> list(String modelId) {
        Path dir = new Path(directory);
        FileStatus[] files;
        try {
            files = fileSystem(dir).listStatus(dir);
        } catch (FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new SnapshotIntegrityException("cannot list the snapshot directory " + directory + ": "
                    + e.getMessage(), e);
        }
        List<Stored> out = new ArrayList<>();
        for (FileStatus f : files == null ? new FileStatus[0] : files) {
            String name = f.getPath().getName();
            if (f.isDir() || !FILE_NAME.matcher(name).matches()) {
                continue;
            }
            Stored s = headers.get(name);
            if (s == null) {
                s = header(f);
                if (s == null) {
                    continue;
                }
                headers.put(name, s);
            }
            if (s.modelId().equals(modelId)) {
                out.add(s);
            }
        }
        out.sort(Comparator.comparingLong(Stored::step).reversed());
        return out;
    }

    private Stored header(FileStatus f) {
        try (InputStream in = f.getPath().getFileSystem().open(f.getPath())) {
            Map<String, String> meta = SafetensorsFormat.readMetadata(in, f.getLen());
            String id = meta.get(SafetensorsFormat.KEY_MODEL_ID);
            String step = meta.get(SafetensorsFormat.KEY_STEP);
            if (id == null || step == null || !step.matches("\\d{1,18}")) {
                return null;
            }
            String name = f.getPath().getName();
            return new Stored(name.substring(0, 64), uriOf(name.substring(0, 64)), id, Long.parseLong(step),
                    f.getLen(), f.getModificationTime());
        } catch (IOException | SnapshotIntegrityException e) {
            return null;
        }
    }

    /** Deletes the snapshot with id {@code sha256}; true if it existed. */
    public boolean delete(String sha256) {
        Path target = new Path(uriOf(sha256));
        try {
            boolean deleted = fileSystem(target).delete(target, false);
            headers.remove(target.getName());
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("deleting snapshot " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks that the directory can be listed (credentials, bucket, endpoint) and throws a
     * {@link SnapshotIntegrityException} naming it if not; a directory that does not exist yet is fine.
     */
    public void checkReachable() {
        Path dir = new Path(directory);
        try {
            fileSystem(dir).listStatus(dir);
        } catch (FileNotFoundException e) {
            // not written yet: the trainer creates it with its first snapshot
        } catch (IOException | RuntimeException e) {
            throw new SnapshotIntegrityException("cannot list the snapshot directory " + directory + ": "
                    + firstLine(e), e);
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    /**
     * Reads the snapshot file at {@code uri} as a stream and verifies its bytes against {@code expectedSha256}
     * (without the frozen base it may name: {@link #load} adds it).
     */
    public static Snapshot read(String uri, String expectedSha256) {
        Path path = new Path(uri);
        try {
            FileSystem fs = fileSystem(path);
            long length = fs.getFileStatus(path).getLen();
            try (InputStream in = new BufferedInputStream(fs.open(path), 1 << 16)) {
                return SafetensorsFormat.read(in, length, expectedSha256);
            }
        } catch (IOException e) {
            throw new SnapshotIntegrityException("cannot read snapshot " + uri + ": " + e.getMessage(), e);
        }
    }

    private static FileSystem fileSystem(Path path) {
        try {
            return path.getFileSystem();
        } catch (IOException e) {
            throw new SnapshotIntegrityException("no Flink file system for '" + path + "' (s3:// needs Flink's S3 "
                    + "file system plugin in plugins/s3-fs-hadoop of the Flink home or of $FLINK_PLUGINS_DIR): "
                    + e.getMessage(), e);
        }
    }
}
