package io.seedflow.connectors.registry;

import io.seedflow.core.io.DirectoryInUseException;
import java.nio.file.Path;

/** A development registry's data directory is locked by a registry that is still running; nothing was read. */
public final class RegistryDataDirInUseException extends DirectoryInUseException {
    RegistryDataDirInUseException(Path directory, String owner) {
        super("registry data dir " + directory + " is in use by the schema registry of process " + owner
                + " (it holds the lock on " + EmbeddedSchemaRegistry.LOCK_FILE + "); stop that registry or choose "
                + "another --data-dir", directory, owner);
    }
}
