package io.seedflow.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Exclusive use of a directory by one process: an OS file lock ({@link FileChannel#tryLock()}) on a lock file in the
 * directory, which holds the owner's pid. The OS releases it when the owner closes it or dies (also by
 * {@code kill -9}), so a crashed owner never leaves a stale lock. The lock file itself stays (unlinking it would let
 * two processes lock two different files of the same name).
 *
 * <p>An OS file lock is held per process, and closing any other channel of the same file would release it (POSIX),
 * so a second lock of the same directory in this JVM is refused by a set of held directories, without opening the
 * file. Used by the demo's run directory and the development schema registry's data directory.
 */
public final class DirectoryLock implements AutoCloseable {
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} if needed and locks it for this process.
     *
     * @param lockFileName the lock file's name inside {@code dir}
     * @param inUse makes the exception thrown when another owner holds the lock, from the directory (real path) and
     *     the owner as its lock file names it (a pid, with {@code " (this process)"} when it is this JVM)
     */
    public static DirectoryLock acquire(Path dir, String lockFileName,
            BiFunction<Path, String, ? extends DirectoryInUseException> inUse) throws IOException {
        Files.createDirectories(dir);
        Path key = dir.toRealPath();
        if (!HELD_HERE.add(key)) {
            throw inUse.apply(key, ProcessHandle.current().pid() + " (this process)");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(key.resolve(lockFileName), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                throw inUse.apply(key, owner(channel));
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0).write(ByteBuffer.wrap(pid), 0);
            channel.force(false);
            return new DirectoryLock(key, channel, lock);
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

    /** The locked directory (real path). */
    public Path directory() {
        return directory;
    }

    /** Whether this lock is still held. */
    public boolean isHeld() {
        return channel.isOpen();
    }

    /** Releases the lock; idempotent. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        try {
            lock.release();
        } finally {
            channel.close();
            HELD_HERE.remove(directory);
        }
    }
}
