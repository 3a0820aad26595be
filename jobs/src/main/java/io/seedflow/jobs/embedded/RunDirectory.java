package io.seedflow.jobs.embedded;

import io.seedflow.core.io.DirectoryLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The demo's run directory: {@code kafka/} (the broker's logs), {@code checkpoints/} and {@code snapshots/}, locked
 * for as long as one demo uses it. Every run starts empty, because the broker formats a new cluster and a replica
 * would otherwise bootstrap from an earlier run's snapshots. A directory left by an earlier demo (it holds
 * {@value #MARKER}) is cleared; any other non-empty directory is refused, so that a mistyped {@code --run-dir}
 * deletes nothing.
 *
 * <p>The lock is a {@link DirectoryLock} on {@value #LOCK_FILE} in the directory, which holds the owner's pid. It is
 * taken before anything is cleared and released by {@link #close()} or when the owning process dies (also by
 * {@code kill -9}), so a directory in use by a running demo is never cleared: a second demo (in another process or
 * in this one) is refused with {@link RunDirectoryInUseException}.
 */
public final class RunDirectory implements AutoCloseable {
    static final String MARKER = ".seedflow-demo-run";
    /** The lock file in a run directory; holds the owner's pid while locked. */
    public static final String LOCK_FILE = ".seedflow-demo.lock";


    private final Path root;
    private final DirectoryLock lock;

    private RunDirectory(Path root, DirectoryLock lock) {
        this.root = root;
        this.lock = lock;
    }

    /**
     * Locks {@code root} for this process, creating it or clearing an earlier demo's content.
     *
     * @throws RunDirectoryInUseException if another demo (another process, or this one) uses it
     * @throws IllegalArgumentException if it is a file or a non-empty directory no demo made
     */
    public static RunDirectory prepare(Path root) throws IOException {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IllegalArgumentException("run dir " + root + " is a file; expected a directory (--run-dir)");
        }
        if (Files.isDirectory(root) && !isEmpty(root) && !Files.exists(root.resolve(MARKER))
                && !Files.exists(root.resolve(LOCK_FILE))) {
            throw new IllegalArgumentException("run dir " + root.toAbsolutePath() + " is not empty and was not "
                    + "made by an earlier demo (no " + MARKER + "); choose another --run-dir");
        }
        DirectoryLock lock = DirectoryLock.acquire(root, LOCK_FILE, RunDirectoryInUseException::new);
        try {
            clear(lock.directory());
            Files.writeString(lock.directory().resolve(MARKER),
                    "seedflow demo run directory; cleared by the next demo run\n");
            return new RunDirectory(root, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    public Path root() {
        return root;
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

    /** Releases the lock (the content stays, for inspection, until the next demo clears it); idempotent. */
    @Override
    public void close() throws IOException {
        lock.close();
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Deletes everything below {@code root} except the lock file (held by this process). */
    private static void clear(Path root) throws IOException {
        Path lockFile = root.resolve(LOCK_FILE);
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                if (!p.equals(root) && !p.equals(lockFile)) {
                    Files.delete(p);
                }
            }
        }
    }
}
