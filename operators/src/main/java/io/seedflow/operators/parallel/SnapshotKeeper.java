package io.seedflow.operators.parallel;

import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.operators.FileSystemSnapshotStore;
import io.seedflow.operators.TrainerConfig;
import io.seedflow.operators.internal.LogTail;
import io.seedflow.operators.internal.SnapshotPointer;
import io.seedflow.operators.internal.SnapshotRetention;
import io.seedflow.operators.internal.SnapshotUploader;
import io.seedflow.operators.internal.TrainerStateCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Subtask 0's part of a data-parallel model's durability (docs/scale-out.md §4): it alone stores the snapshots every
 * subtask takes (asynchronously, {@link SnapshotUploader}), keeps the snapshot pointer and the log tail since it (the
 * same bytes as {@link io.seedflow.operators.ZoTrainerFunction}'s, {@link TrainerStateCodec}), queues the
 * announcements of stored snapshots, and retires old snapshots once a checkpoint whose pointer is past them has
 * completed ({@link SnapshotRetention}).
 */
final class SnapshotKeeper implements AutoCloseable {
    private final String modelId;
    private final SnapshotUploader uploader;
    private final SnapshotRetention retention;
    /** The snapshot step each checkpoint's pointer names, until that checkpoint completes. */
    private final TreeMap<Long, Long> pointerStepAtCheckpoint = new TreeMap<>();
    private final List<SnapshotPointer> toAnnounce = new ArrayList<>();
    private SnapshotPointer pointer;
    private List<byte[]> logTail = new ArrayList<>();

    SnapshotKeeper(String modelId, TrainerConfig config) {
        this.modelId = modelId;
        this.uploader = new SnapshotUploader(new FileSystemSnapshotStore(config.snapshotDir()),
                System::currentTimeMillis, "seedflow-dp-snapshot-upload");
        this.retention = new SnapshotRetention(config.retainNewest(), config.retainMinAge());
    }

    /** A fresh start: the base snapshot, stored now (every record names it) and announced. */
    void startFrom(EncodedSnapshot base) {
        pointer = uploader.storeNow(base);
        toAnnounce.add(pointer);
    }

    /** A restore: the checkpointed pointer and tail, and the snapshots the replay took again, to store again. */
    void restoredFrom(SnapshotPointer restored, List<byte[]> tail, List<EncodedSnapshot> toStore) {
        pointer = restored;
        logTail = new ArrayList<>(tail);
        toStore.forEach(uploader::submit);
    }

    SnapshotPointer pointer() {
        return pointer;
    }

    List<byte[]> logTail() {
        return logTail;
    }

    /** A step's record (and the snapshot taken at it, or null) joins the tail; the snapshot is stored. */
    void recorded(UpdateRecord record, EncodedSnapshot snapshot) {
        logTail.add(TrainerStateCodec.encodeRecord(record));
        if (snapshot != null) {
            uploader.submit(snapshot);
        }
    }

    /**
     * Moves the pointer to the newest stored snapshot, shrinks the tail to what a restore from it needs, and returns
     * the snapshots stored since the last call.
     */
    List<SnapshotPointer> completeUploads(int historySteps) {
        List<SnapshotPointer> completed = uploader.completed(modelId);
        if (!completed.isEmpty()) {
            toAnnounce.addAll(completed);
            pointer = completed.get(completed.size() - 1);
            logTail = LogTail.keptAfterSnapshot(logTail, pointer.step(), historySteps);
        }
        return completed;
    }

    /** The announcements of the stored snapshots not announced yet, in order. */
    List<SnapshotAnnouncement> takeAnnouncements() {
        List<SnapshotAnnouncement> out = new ArrayList<>(toAnnounce.size());
        toAnnounce.forEach(p -> out.add(p.announcement(modelId)));
        toAnnounce.clear();
        return out;
    }

    /** At the end of a bounded input: waits for the uploads in flight (their pointer moves before the last checkpoint). */
    void awaitUploads(Duration timeout) throws InterruptedException {
        uploader.awaitAll(modelId, timeout);
    }

    void checkpointing(long checkpointId) {
        if (retention.enabled()) {
            pointerStepAtCheckpoint.put(checkpointId, pointer.step());
        }
    }

    /** Once a checkpoint completed, a restore needs nothing older than the snapshot its pointer names. */
    void checkpointComplete(long checkpointId) {
        Long floor = pointerStepAtCheckpoint.get(checkpointId);
        pointerStepAtCheckpoint.headMap(checkpointId, true).clear();
        if (floor != null) {
            uploader.retire(modelId, floor, retention);
        }
    }

    @Override
    public void close() {
        uploader.close();
    }
}
