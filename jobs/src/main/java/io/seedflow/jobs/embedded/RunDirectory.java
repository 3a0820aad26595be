package io.seedflow.jobs.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The demo's run directory: {@code kafka/} (the broker's logs), {@code checkpoints/} and {@code snapshots/}. Every
 * run starts empty, because the broker formats a new cluster and a replica would otherwise bootstrap from an earlier
 * run's snapshots. A directory left by an earlier demo (it holds {@value #MARKER}) is cleared; any other non-empty
 * directory is refused, so that a mistyped {@code --run-dir} deletes nothing.
 */
record RunDirectory(Path root) {
    static final String MARKER = ".seedflow-demo-run";

    /** Creates or clears {@code root}. */
    static RunDirectory prepare(Path root) throws IOException {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IllegalArgumentException("run dir " + root + " is a file; expected a directory (--run-dir)");
        }
        if (Files.isDirectory(root) && !isEmpty(root)) {
            if (!Files.exists(root.resolve(MARKER))) {
                throw new IllegalArgumentException("run dir " + root.toAbsolutePath() + " is not empty and was not "
                        + "made by an earlier demo (no " + MARKER + "); choose another --run-dir");
            }
            clear(root);
        }
        Files.createDirectories(root);
        Files.writeString(root.resolve(MARKER), "seedflow demo run directory; cleared by the next demo run\n");
        return new RunDirectory(root);
    }

    Path kafkaDir() {
        return root.resolve("kafka");
    }

    Path checkpointDir() {
        return root.resolve("checkpoints");
    }

    Path snapshotDir() {
        return root.resolve("snapshots");
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void clear(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                if (!p.equals(root)) {
                    Files.delete(p);
                }
            }
        }
    }
}
