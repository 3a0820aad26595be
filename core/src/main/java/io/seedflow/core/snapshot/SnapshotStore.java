package io.seedflow.core.snapshot;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.tensor.ParameterSet;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Content-addressed snapshots in a local directory: {@code <sha256>.safetensors}. Written to a temporary file and
 * renamed, so a reader never sees a partial snapshot. (The streaming job's store writes through Flink's FileSystem
 * with the same naming.)
 */
public final class SnapshotStore implements SnapshotRepository {
    private final Path dir;

    public SnapshotStore(Path dir) {
        this.dir = dir;
    }

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public String uriOf(String sha256) {
        return dir.resolve(sha256 + ".safetensors").toUri().toString();
    }

    @Override
    public String storeFile(EncodedSnapshot snapshot) {
        return writeFile(snapshot).toUri().toString();
    }

    /** Reads a snapshot file by a {@code file:} URI or a plain path ({@link #readFile(Path, String)}). */
    @Override
    public Snapshot loadFile(String uri, String expectedSha256) {
        return readFile(pathOf(uri), expectedSha256);
    }

    private static Path pathOf(String uri) {
        java.net.URI u;
        try {
            u = java.net.URI.create(uri);
        } catch (IllegalArgumentException e) {
            u = null; // a path with characters a URI does not take
        }
        return u != null && "file".equals(u.getScheme()) ? Path.of(u) : Path.of(uri);
    }

    /** Where a snapshot written and how to verify it. */
    public record Ref(Path path, String sha256, long sizeBytes, String weightsSha256, long step) {
    }

    public Ref write(ParameterSet params, String modelId, long step, String modelSpec) {
        return write(EncodedSnapshot.of(modelId, step, modelSpec, params));
    }

    /**
     * Stores an encoded snapshot under its id (idempotent: same id, same bytes), streaming it to the file, after the
     * frozen base it names ({@link #store}).
     */
    public Ref write(EncodedSnapshot snapshot) {
        store(snapshot);
        return new Ref(fileOf(snapshot), snapshot.sha256(), snapshot.sizeBytes(), snapshot.weightsSha256(),
                snapshot.step());
    }

    private Path fileOf(EncodedSnapshot snapshot) {
        return dir.resolve(snapshot.sha256() + ".safetensors");
    }

    private Path writeFile(EncodedSnapshot snapshot) {
        try {
            Files.createDirectories(dir);
            Path target = fileOf(snapshot);
            if (!Files.exists(target)) {
                Path tmp = Files.createTempFile(dir, snapshot.sha256(), ".tmp");
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                    snapshot.writeTo(out);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot of model '" + snapshot.modelId() + "' step "
                    + snapshot.step() + " to " + dir, e);
        }
    }

    /**
     * Reads and verifies a snapshot as a stream, with the frozen base it names read from beside it
     * ({@link FrozenBases#attach}); {@code expectedSha256} null means "the file name's hash, if it has one".
     */
    public static Snapshot read(Path file, String expectedSha256) {
        return FrozenBases.attach(readFile(file, expectedSha256), file.toString(),
                (uri, sha) -> readFile(pathOf(uri), sha));
    }

    /** {@link #read} without the frozen base. */
    public static Snapshot readFile(Path file, String expectedSha256) {
        String expected = expectedSha256;
        String name = file.getFileName().toString();
        if (expected == null && name.matches("[0-9a-f]{64}\\.safetensors")) {
            expected = name.substring(0, 64);
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return SafetensorsFormat.read(in, Files.size(file), expected);
        } catch (IOException e) {
            throw new SnapshotIntegrityException("cannot read snapshot " + file + ": " + e.getMessage(), e);
        }
    }
}
