package io.seedflow.core.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.util.Objects;

/**
 * "Version {@link #step} of {@link #modelId} holds the weights of the earlier version {@link #toVersion}": the step an
 * operator appends with {@code seedflow rollback} to undo the steps {@code toVersion + 1 .. step - 1}
 * (docs/update-log-spec.md §11). The log stays append-only: the undone records stay where they are, and this entry
 * says they no longer count. Those weights are stored as a snapshot of step {@link #step} ({@link #snapshotUri},
 * {@link #snapshotSha256}), which replicas load in place of applying a record; the trainer continues from it.
 *
 * @param weightsSha256 the SHA-256 of version {@code toVersion}'s weights (spec §2), which the snapshot holds
 * @param createdMillis when the rollback was written (epoch milliseconds)
 * @param reason the operator's words for the audit trail (may be empty)
 */
public record ModelRollback(String modelId, long step, long toVersion, String weightsSha256, String snapshotUri,
        String snapshotSha256, long snapshotSizeBytes, long createdMillis, String reason) implements LogStep {
    public ModelRollback {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(weightsSha256, "weightsSha256");
        Objects.requireNonNull(snapshotUri, "snapshotUri");
        Objects.requireNonNull(snapshotSha256, "snapshotSha256");
        Objects.requireNonNull(reason, "reason");
        if (toVersion < 0 || toVersion >= step - 1) {
            throw new InvalidUpdateRecordException("rollback of model '" + modelId + "' at step " + step + " to "
                    + "version " + toVersion + ": expected a version from 0 to " + (step - 2) + " (an earlier version "
                    + "than the one it follows)");
        }
    }

    /** The first step this rollback undoes. */
    public long firstUndone() {
        return toVersion + 1;
    }

    /** The announcement of the snapshot that holds this step's weights. */
    public SnapshotAnnouncement announcement() {
        return new SnapshotAnnouncement(modelId, step, snapshotUri, snapshotSha256, snapshotSizeBytes, weightsSha256,
                createdMillis);
    }

    @Override
    public String toString() {
        return "ModelRollback{model=" + modelId + ", step=" + step + ", to version " + toVersion + ", undoing steps "
                + firstUndone() + ".." + (step - 1) + ", snapshot " + snapshotSha256 + "}";
    }
}
