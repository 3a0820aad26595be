package io.seedflow.connectors.replica;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an announced snapshot by URI and verifies it. The default streams {@code file:} URIs with java.nio and
 * anything else ({@code s3://}, {@code hdfs://}, ...) through Flink's FileSystem, which must then be on the class path
 * with the matching file-system plugin; applications with their own object-store client plug in their own fetcher
 * (and decode with {@link SafetensorsFormat#read(InputStream, long, String)}).
 */
@FunctionalInterface
public interface SnapshotFetcher extends SnapshotReader {
    /**
     * The snapshot at {@code uri}, verified against {@code expectedSha256}; a missing, unreadable or corrupt file is a
     * {@link SnapshotIntegrityException}.
     */
    Snapshot fetch(String uri, String expectedSha256);

    @Override
    default Snapshot loadFile(String uri, String expectedSha256) {
        return fetch(uri, expectedSha256);
    }

    static SnapshotFetcher standard() {
        return (uri, expectedSha256) -> {
            try {
                URI u = URI.create(uri);
                if (u.getScheme() == null || "file".equals(u.getScheme())) {
                    Path file = u.getScheme() == null ? Path.of(uri) : Path.of(u);
                    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                        return SafetensorsFormat.read(in, Files.size(file), expectedSha256);
                    }
                }
                org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(u);
                org.apache.flink.core.fs.FileSystem fs = path.getFileSystem();
                long size = fs.getFileStatus(path).getLen();
                try (InputStream in = new BufferedInputStream(fs.open(path), 1 << 16)) {
                    return SafetensorsFormat.read(in, size, expectedSha256);
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new SnapshotIntegrityException("cannot fetch snapshot " + uri + ": " + e, e);
            } catch (NoClassDefFoundError e) {
                throw new SnapshotIntegrityException("cannot fetch snapshot " + uri + ": only file: URIs can be read "
                        + "without Flink's FileSystem on the class path (" + e.getMessage() + ")", e);
            }
        };
    }
}
