package io.seedflow.core.snapshot;

/**
 * Reads snapshots by URI, as a stream, verified against their id ({@link SafetensorsFormat#read}): the one read path
 * of trainers' restores, replicas' bootstraps and the commands. Implemented by the stores
 * ({@link SnapshotRepository}) and by a replica's fetcher of announced snapshots.
 */
@FunctionalInterface
public interface SnapshotReader {
    /**
     * The snapshot at {@code uri}, its bytes verified against {@code expectedSha256} (null: not checked).
     *
     * @throws io.seedflow.core.error.SnapshotIntegrityException when it is missing, unreadable, corrupt or not the
     *     expected one
     */
    Snapshot load(String uri, String expectedSha256);
}
