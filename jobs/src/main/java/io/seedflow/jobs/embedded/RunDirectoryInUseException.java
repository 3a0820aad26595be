package io.seedflow.jobs.embedded;

import io.seedflow.core.io.DirectoryInUseException;
import java.nio.file.Path;

/** A demo's run directory is locked by a demo that is still running; nothing in it was touched. */
public final class RunDirectoryInUseException extends DirectoryInUseException {
    RunDirectoryInUseException(Path directory, String owner) {
        super("run dir " + directory + " is in use by the demo of process " + owner + " (it holds the lock on "
                + directory.resolve(RunDirectory.LOCK_FILE).getFileName() + "); stop that demo or choose another "
                + "--run-dir", directory, owner);
    }
}
