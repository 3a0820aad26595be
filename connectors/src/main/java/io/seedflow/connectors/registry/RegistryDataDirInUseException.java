package io.seedflow.connectors.registry;

import io.seedflow.core.error.SeedFlowException;
import java.nio.file.Path;

/** A development registry's data directory is locked by a registry that is still running; nothing was read. */
public final class RegistryDataDirInUseException extends SeedFlowException {
    private final Path directory;
    private final String owner;

    RegistryDataDirInUseException(Path directory, String owner) {
        super("registry data dir " + directory + " is in use by the schema registry of process " + owner
                + " (it holds the lock on " + EmbeddedSchemaRegistry.LOCK_FILE + "); stop that registry or choose "
                + "another --data-dir");
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
