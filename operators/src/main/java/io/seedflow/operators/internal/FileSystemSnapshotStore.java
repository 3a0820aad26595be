package io.seedflow.operators.internal;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Content-addressed snapshots under a Flink {@link FileSystem} directory ({@code file://} here, {@code s3://} or
 * another object store in production): {@code <dir>/<sha256>.safetensors}. A file is written under a temporary name
 * and renamed, and is never rewritten once complete (same name = same bytes); readers verify the SHA-256, so a
 * truncated or foreign file is refused, never loaded.
 */
public final class FileSystemSnapshotStore {
    private final String directory;

    /** @param directory a Flink FileSystem URI or a local path; the directory is created on first write */
    public FileSystemSnapshotStore(String directory) {
        String d = directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory;
        this.directory = new Path(d).makeQualified(fileSystem(new Path(d))).toString();
    }

    public String directory() {
        return directory;
    }

    /** The URI the snapshot with id {@code sha256} has in this store. */
    public String uriOf(String sha256) {
        return directory + "/" + sha256 + ".safetensors";
    }

    /** Stores {@code bytes} (whose SHA-256 is {@code sha256}) unless a complete copy is already there; returns its URI. */
    public String write(String sha256, byte[] bytes) {
        Path target = new Path(uriOf(sha256));
        FileSystem fs = fileSystem(target);
        try {
            if (fs.exists(target)) {
                FileStatus status = fs.getFileStatus(target);
                if (status.getLen() == bytes.length) {
                    return target.toString();
                }
                fs.delete(target, false); // a leftover of an interrupted non-atomic upload
            }
            fs.mkdirs(target.getParent());
            Path tmp = new Path(directory + "/." + sha256 + "." + UUID.randomUUID() + ".tmp");
            try (OutputStream out = fs.create(tmp, FileSystem.WriteMode.OVERWRITE)) {
                out.write(bytes);
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

    /** Reads the snapshot at {@code uri} and verifies its bytes against {@code expectedSha256}. */
    public static Snapshot read(String uri, String expectedSha256) {
        Path path = new Path(uri);
        byte[] bytes;
        try {
            FileSystem fs = fileSystem(path);
            long length = fs.getFileStatus(path).getLen();
            if (length > Integer.MAX_VALUE - 8) {
                throw new SnapshotIntegrityException("snapshot " + uri + " is " + length + " bytes; at most 2 GiB "
                        + "is supported");
            }
            bytes = new byte[(int) length];
            try (InputStream in = fs.open(path)) {
                int read = in.readNBytes(bytes, 0, bytes.length);
                if (read != bytes.length || in.read() != -1) {
                    throw new SnapshotIntegrityException("snapshot " + uri + " changed while being read: expected "
                            + length + " bytes, read " + read);
                }
            }
        } catch (IOException e) {
            throw new SnapshotIntegrityException("cannot read snapshot " + uri + ": " + e.getMessage(), e);
        }
        return SafetensorsFormat.decode(bytes, expectedSha256);
    }

    private static FileSystem fileSystem(Path path) {
        try {
            return path.getFileSystem();
        } catch (IOException e) {
            throw new UncheckedIOException("no Flink file system for '" + path + "' (for s3:// and other object "
                    + "stores, install the Flink file system plugin): " + e.getMessage(), e);
        }
    }
}
