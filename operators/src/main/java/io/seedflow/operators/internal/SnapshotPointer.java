package io.seedflow.operators.internal;

/**
 * What the trainer's checkpointed state holds instead of the weights: where the last snapshot is, its SHA-256
 * (the snapshot id, verified on load) and the step it holds.
 */
public record SnapshotPointer(String snapshotId, String path, long step) {
}
