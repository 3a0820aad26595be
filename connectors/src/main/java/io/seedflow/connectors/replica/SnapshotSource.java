package io.seedflow.connectors.replica;

import io.seedflow.core.snapshot.Snapshot;
import java.util.Optional;

/**
 * Where a replica finds full weights to (re-)bootstrap from. Implementations return only snapshots whose bytes have
 * been verified against their SHA-256.
 */
public interface SnapshotSource {
    /**
     * The newest (highest {@code seedflow.step}) verified snapshot of {@code modelId}, or empty if there is none.
     * Called on the subscriber's thread at start and after every gap.
     */
    Optional<Snapshot> newest(String modelId);

    /** Where the snapshots come from, for messages. */
    String location();
}
