package io.seedflow.connectors.replica;

import io.seedflow.core.error.SnapshotIntegrityException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the bytes of an announced snapshot by URI. The default reads {@code file:} URIs with java.nio and anything
 * else ({@code s3://}, {@code hdfs://}, ...) through Flink's FileSystem, which must then be on the class path with
 * the matching file-system plugin; applications with their own object-store client plug in their own fetcher.
 */
@FunctionalInterface
public interface SnapshotFetcher {
    /** The file's bytes; a missing or unreadable file is a {@link SnapshotIntegrityException}. */
    byte[] fetch(String uri);

    static SnapshotFetcher standard() {
        return uri -> {
            try {
                URI u = URI.create(uri);
                if (u.getScheme() == null || "file".equals(u.getScheme())) {
                    return Files.readAllBytes(u.getScheme() == null ? Path.of(uri) : Path.of(u));
                }
                org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(u);
                try (InputStream in = path.getFileSystem().open(path)) {
                    return in.readAllBytes();
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
