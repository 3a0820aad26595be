package io.seedflow.jobs.embedded;

import io.seedflow.core.error.SeedFlowException;
import java.nio.file.Path;

/** A demo's run directory is locked by a demo that is still running; nothing in it was touched. */
public final class RunDirectoryInUseException extends SeedFlowException {
    private final Path directory;
    private final String owner;

    RunDirectoryInUseException(Path directory, String owner) {
        super("run dir " + directory + " is in use by the demo of process " + owner + " (it holds the lock on "
                + directory.resolve(RunDirectory.LOCK_FILE).getFileName() + "); stop that demo or choose another "
                + "--run-dir");
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
