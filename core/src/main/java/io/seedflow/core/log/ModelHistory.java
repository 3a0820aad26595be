package io.seedflow.core.log;

import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.util.List;

/**
 * What a model's committed log says a trainer must continue from: the newest announced snapshot (by step; of two
 * announcements of one step the later on the log), the records to replay on it (the history before it and every
 * record after it, in step order), the step the log ends at, and the event ranges the model trained at or after the
 * point where the events consumer resumes (an example inside them is already trained and is dropped), and in a signed
 * log (docs/update-log-spec.md §10) the newest seal (else null).
 */
public record ModelHistory(String modelId, SnapshotAnnouncement snapshot, List<UpdateRecord> records, long lastStep,
        List<Lineage> trainedAfterResume, LogSeal newestSeal) {
    public ModelHistory {
        records = List.copyOf(records);
        trainedAfterResume = List.copyOf(trainedAfterResume);
    }

    /** The history of an unsigned log (no seal). */
    public ModelHistory(String modelId, SnapshotAnnouncement snapshot, List<UpdateRecord> records, long lastStep,
            List<Lineage> trainedAfterResume) {
        this(modelId, snapshot, records, lastStep, trainedAfterResume, null);
    }
}
