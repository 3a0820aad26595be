package io.seedflow.operators.internal;

import io.seedflow.core.snapshot.SnapshotAnnouncement;

/**
 * What the trainer's checkpointed state holds instead of the weights: where the last completely stored snapshot is
 * (a Flink FileSystem URI), its SHA-256 (the snapshot id, verified on load), the step it holds, and what its
 * announcement says (size, weights hash, creation time).
 */
public record SnapshotPointer(String snapshotId, String uri, long step, long sizeBytes, String weightsSha256,
        long createdMillis) {

    /** The pointer to the snapshot {@code a} announces. */
    public static SnapshotPointer of(SnapshotAnnouncement a) {
        return new SnapshotPointer(a.sha256, a.uri, a.step, a.sizeBytes, a.weightsSha256, a.createdMillis);
    }

    public SnapshotAnnouncement announcement(String modelId) {
        return new SnapshotAnnouncement(modelId, step, uri, snapshotId, sizeBytes, weightsSha256, createdMillis);
    }
}
