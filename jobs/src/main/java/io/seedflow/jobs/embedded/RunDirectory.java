package io.seedflow.jobs.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The demo's run directory: {@code kafka/} (the broker's logs), {@code checkpoints/} and {@code snapshots/}, locked
 * for as long as one demo uses it. Every run starts empty, because the broker formats a new cluster and a replica
 * would otherwise bootstrap from an earlier run's snapshots. A directory left by an earlier demo (it holds
 * {@value #MARKER}) is cleared; any other non-empty directory is refused, so that a mistyped {@code --run-dir}
 * deletes nothing.
 *
 * <p>The lock is an OS file lock ({@link FileChannel#tryLock()}) on {@value #LOCK_FILE} in the directory, which
 * holds the owner's pid. It is taken before anything is cleared and released by {@link #close()} or when the owning
 * process dies (also by {@code kill -9}), so a directory in use by a running demo is never cleared: a second demo is
 * refused with {@link RunDirectoryInUseException}. The lock file itself stays (unlinking it would let two processes
 * lock two different files of the same name).
 */
public final class RunDirectory implements AutoCloseable {
    static final String MARKER = ".seedflow-demo-run";
    /** The lock file in a run directory; holds the owner's pid while locked. */
    public static final String LOCK_FILE = ".seedflow-demo.lock";

    /**
     * Directories locked by this JVM. An OS file lock is held per process, and closing any other channel of the
     * same file would release it (POSIX), so a second demo in this JVM is refused here, without opening the file.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private RunDirectory(Path root, Path key, FileChannel channel, FileLock lock) {
        this.root = root;
        this.key = key;
        this.channel = channel;
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
        Files.createDirectories(root);
        Path key = root.toRealPath();
        if (!HELD_HERE.add(key)) {
            throw new RunDirectoryInUseException(key, ProcessHandle.current().pid() + " (this process)");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(key.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                throw new RunDirectoryInUseException(key, owner(channel));
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0).write(ByteBuffer.wrap(pid), 0);
            channel.force(false);
            RunDirectory run = new RunDirectory(root, key, channel, lock);
            clear(key);
            Files.writeString(key.resolve(MARKER), "seedflow demo run directory; cleared by the next demo run\n");
            return run;
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(key);
            if (channel != null) {
                channel.close(); // releases the lock, if this call took it
            }
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // cannot happen while HELD_HERE guards this JVM; treated as in use all the same
        }
    }

    /** The pid the owner wrote, or a note that it wrote none (yet). */
    private static String owner(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        channel.read(b, 0);
        String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
        return text.matches("\\d{1,19}") ? text : "(unknown pid: the lock file holds '" + text + "')";
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
        if (!channel.isOpen()) {
            return;
        }
        try {
            lock.release();
        } finally {
            channel.close();
            HELD_HERE.remove(key);
        }
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
