package io.seedflow.core.io;

import io.seedflow.core.error.SeedFlowException;
import java.nio.file.Path;

/**
 * A directory that {@link DirectoryLock} guards is locked by another owner (another process, or this one); nothing in
 * it was touched. Subclasses name the kind of directory and what to do in their message.
 */
public abstract class DirectoryInUseException extends SeedFlowException {
    private final Path directory;
    private final String owner;

    protected DirectoryInUseException(String message, Path directory, String owner) {
        super(message);
        this.directory = directory;
        this.owner = owner;
    }

    /** The locked directory (real path). */
    public Path directory() {
        return directory;
    }

    /** The owner's pid as it wrote it into the lock file. */
    public String owner() {
        return owner;
    }
}
