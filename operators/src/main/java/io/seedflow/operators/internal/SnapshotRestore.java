package io.seedflow.operators.internal;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotReader;
import io.seedflow.core.zo.ZoOptions;
import java.util.List;

/**
 * The Flink side of a trainer restore: reads the snapshot the state's {@link SnapshotPointer} names through the
 * trainer's snapshot store (streamed, SHA-256 verified), checks it belongs to this model and step, and hands it with
 * the log tail to core's {@link TrainingSession#restore}, which replays the tail and re-takes the snapshots it went
 * past.
 */
public final class SnapshotRestore {
    private SnapshotRestore() {
    }

    public static TrainingSession.Started restore(SnapshotReader store, String modelId, ModelSpec spec,
            ZoOptions options, SnapshotPointer pointer, List<UpdateRecord> tail, int snapshotInterval,
            BackendFactory backends) {
        Snapshot snapshot = store.load(pointer.uri(), pointer.snapshotId());
        if (snapshot.step() != pointer.step() || !modelId.equals(snapshot.modelId())) {
            throw new SnapshotIntegrityException("snapshot " + pointer.uri() + " holds model '" + snapshot.modelId()
                    + "' step " + snapshot.step() + " but the trainer state expects model '" + modelId + "' step "
                    + pointer.step());
        }
        return TrainingSession.restore(modelId, spec, options, snapshot.parameters(), pointer.snapshotId(),
                pointer.step(), tail, snapshotInterval, backends);
    }
}
