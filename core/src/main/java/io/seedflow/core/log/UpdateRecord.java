package io.seedflow.core.log;

import java.util.List;

/**
 * One model change, version {@code step - 1} to {@code step}: everything a replica needs to apply it (seeds,
 * float coefficients, decay factor) and, for monitoring and exactly-once accounting, the losses and lineage. The
 * wire form is the Avro record {@code io.seedflow.schemas.ModelUpdate}; the meaning of each field is in
 * docs/update-log-spec.md.
 */
public record UpdateRecord(
        int formatVersion,
        String modelId,
        String baseSnapshotId,
        long step,
        UpdateStatus status,
        float decayFactor,
        List<PerturbationTerm> perturbations,
        float epsilon,
        float learningRate,
        int batchSize,
        List<Lineage> lineage,
        long trainerTimeMillis) {

    /** The update-log format this build writes and applies. */
    public static final int FORMAT_VERSION = 1;

    public UpdateRecord {
        perturbations = List.copyOf(perturbations);
        lineage = List.copyOf(lineage);
    }

    public long eventCount() {
        long n = 0;
        for (Lineage l : lineage) {
            n += l.count();
        }
        return n;
    }
}
