package io.seedflow.core.snapshot;

/**
 * Reads snapshots by URI, as a stream, verified against their id ({@link SafetensorsFormat#read}): the one read path
 * of trainers' restores, replicas' bootstraps and the commands. Implemented by the stores
 * ({@link SnapshotRepository}) and by a replica's fetcher of announced snapshots, which read files
 * ({@link #loadFile}); {@link #load} adds the frozen base a snapshot names ({@link FrozenBases#attach}).
 */
@FunctionalInterface
public interface SnapshotReader {
    /**
     * The snapshot file at {@code uri}, its bytes verified against {@code expectedSha256} (null: not checked), without
     * its frozen base.
     *
     * @throws io.seedflow.core.error.SnapshotIntegrityException when it is missing, unreadable, corrupt or not the
     *     expected one
     */
    Snapshot loadFile(String uri, String expectedSha256);

    /**
     * The snapshot at {@code uri} ({@link #loadFile}) with the frozen base it names, read once from beside it and
     * checked.
     *
     * @throws io.seedflow.core.error.SnapshotIntegrityException as {@link #loadFile}, and when the base is missing or
     *     not the one named
     */
    default Snapshot load(String uri, String expectedSha256) {
        return FrozenBases.attach(loadFile(uri, expectedSha256), uri, this);
    }
}
