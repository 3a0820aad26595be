package io.seedflow.core.log;

import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.util.List;

/**
 * What a model's committed log says a trainer must continue from: the newest announced snapshot (by step; of two
 * announcements of one step the later on the log), the records to replay on it (the history before it and every
 * record after it, in step order), the step the log ends at, and the event ranges the model trained at or after the
 * point where the events consumer resumes (an example inside them is already trained and is dropped).
 */
public record ModelHistory(String modelId, SnapshotAnnouncement snapshot, List<UpdateRecord> records, long lastStep,
        List<Lineage> trainedAfterResume) {
    public ModelHistory {
        records = List.copyOf(records);
        trainedAfterResume = List.copyOf(trainedAfterResume);
    }
}
