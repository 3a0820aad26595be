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

    /**
     * The snapshot a rollback names (docs/update-log-spec.md §11): file SHA-256 {@code sha256}, stored at {@code uri};
     * verified against the hash. Called on the subscriber's thread.
     *
     * @throws io.seedflow.core.error.SnapshotIntegrityException if it cannot be fetched or does not verify
     */
    default Snapshot named(String uri, String sha256) {
        return SnapshotFetcher.standard().fetch(uri, sha256);
    }

    /** Where the snapshots come from, for messages. */
    String location();
}
