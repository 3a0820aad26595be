package io.seedflow.connectors.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.log.Replica;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import java.nio.file.Path;

/** Rebuilds weights from a snapshot file and an update-log file, as any replica would. */
public final class LogReplay {
    private LogReplay() {
    }

    /** The replayed replica and how many records it applied. */
    public record Result(Replica replica, long recordsApplied, String snapshotSha256) {
        public String weightsSha256() {
            return replica.parameters().weightsSha256();
        }
    }

    /**
     * Verifies the snapshot (SHA-256 from {@code expectedSnapshotSha}, else from its content-addressed file name; its
     * metadata, including a decimal {@code seedflow.step}; and its tensors against its model spec, see
     * {@link Snapshot#requireTensorsOfModelSpec()}), then applies every record of the log in order. Records must be based on this snapshot and continue from its
     * step without gaps; the first violation throws with the step it concerns.
     */
    public static Result replay(Path snapshotFile, String expectedSnapshotSha, Path logFile) {
        Snapshot snap = SnapshotStore.read(snapshotFile, expectedSnapshotSha).requireTensorsOfModelSpec();
        Replica replica = new Replica(snap.modelId(), snap.parameters(), snap.step());
        long n = UpdateLogFile.forEach(logFile, r -> {
            if (!r.baseSnapshotId().equals(snap.sha256())) {
                throw new InvalidUpdateRecordException("step " + r.step() + " is based on snapshot " + r.baseSnapshotId()
                        + " but the replay started from snapshot " + snap.sha256());
            }
            replica.apply(r);
        });
        return new Result(replica, n, snap.sha256());
    }
}
