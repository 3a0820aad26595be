package io.seedflow.core.log;

import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceCorrection;
import java.util.List;

/**
 * One model change, version {@code step - 1} to {@code step}: everything a replica needs to apply it (seeds,
 * float coefficients, decay factor, for format version 2 the update mask and the subspace correction, for format
 * version 3 also the exact head delta) and, for monitoring and exactly-once accounting, the losses and lineage. The
 * wire form is the Avro record {@code io.seedflow.schemas.ModelUpdate}; the meaning of each field is in
 * docs/update-log-spec.md.
 *
 * @param mask which elements the step trains; null = all (dense, format version 1)
 * @param subspace the subspace-denoising correction; null = none
 * @param headDelta the exact change of the head tensors, added after the ZO update (format version 3); null = none
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
        long trainerTimeMillis,
        UpdateMask mask,
        SubspaceCorrection subspace,
        HeadDelta headDelta) implements LogStep {

    /** Dense records: every element of every tensor, no correction. */
    public static final int FORMAT_VERSION = 1;
    /** Records with an update mask and/or a subspace correction (§6.2, §6.3 of the spec). */
    public static final int FORMAT_VERSION_SPARSE = 2;
    /** Records with an exact head delta, and optionally the sections of version 2 (§6.4 of the spec). */
    public static final int FORMAT_VERSION_HEAD_DELTA = 3;

    public UpdateRecord {
        perturbations = List.copyOf(perturbations);
        lineage = List.copyOf(lineage);
    }

    /** A dense record (format version 1 fields only). */
    public UpdateRecord(int formatVersion, String modelId, String baseSnapshotId, long step, UpdateStatus status,
            float decayFactor, List<PerturbationTerm> perturbations, float epsilon, float learningRate, int batchSize,
            List<Lineage> lineage, long trainerTimeMillis) {
        this(formatVersion, modelId, baseSnapshotId, step, status, decayFactor, perturbations, epsilon, learningRate,
                batchSize, lineage, trainerTimeMillis, null, null, null);
    }

    /** A record without a head delta (format version 1 or 2 fields). */
    public UpdateRecord(int formatVersion, String modelId, String baseSnapshotId, long step, UpdateStatus status,
            float decayFactor, List<PerturbationTerm> perturbations, float epsilon, float learningRate, int batchSize,
            List<Lineage> lineage, long trainerTimeMillis, UpdateMask mask, SubspaceCorrection subspace) {
        this(formatVersion, modelId, baseSnapshotId, step, status, decayFactor, perturbations, epsilon, learningRate,
                batchSize, lineage, trainerTimeMillis, mask, subspace, null);
    }

    /** The format version a record with these sections and no head delta must carry: 2 with a mask or correction. */
    public static int formatVersionFor(UpdateMask mask, SubspaceCorrection subspace) {
        return formatVersionFor(mask, subspace, null);
    }

    /**
     * The format version a record with these sections must carry: 3 with a head delta (whatever else it has), else 2
     * with a mask or correction, else 1.
     */
    public static int formatVersionFor(UpdateMask mask, SubspaceCorrection subspace, HeadDelta headDelta) {
        if (headDelta != null) {
            return FORMAT_VERSION_HEAD_DELTA;
        }
        return mask != null || subspace != null ? FORMAT_VERSION_SPARSE : FORMAT_VERSION;
    }

    /** This record with {@code delta} as its head delta (null removes it) and the format version that implies. */
    public UpdateRecord withHeadDelta(HeadDelta delta) {
        return new UpdateRecord(formatVersionFor(mask, subspace, delta), modelId, baseSnapshotId, step, status,
                decayFactor, perturbations, epsilon, learningRate, batchSize, lineage, trainerTimeMillis, mask,
                subspace, delta);
    }

    /**
     * Whether {@code other} makes the same change to the same weights: model, base snapshot, step, status, decay, each
     * term's seed and coefficient (bits), mask, subspace and head-delta sections, lineage and time. The monitoring
     * fields (§4) are not compared: a record read back from a compact log has none.
     */
    public boolean sameUpdateAs(UpdateRecord other) {
        if (step != other.step || status != other.status || Float.floatToIntBits(decayFactor)
                != Float.floatToIntBits(other.decayFactor) || trainerTimeMillis != other.trainerTimeMillis
                || !modelId.equals(other.modelId) || !baseSnapshotId.equals(other.baseSnapshotId)
                || !lineage.equals(other.lineage) || perturbations.size() != other.perturbations.size()
                || !java.util.Objects.equals(mask, other.mask) || !java.util.Objects.equals(subspace, other.subspace)
                || !java.util.Objects.equals(headDelta, other.headDelta)) {
            return false;
        }
        for (int k = 0; k < perturbations.size(); k++) {
            PerturbationTerm a = perturbations.get(k);
            PerturbationTerm b = other.perturbations.get(k);
            if (a.seed() != b.seed() || Float.floatToIntBits(a.coefficient()) != Float.floatToIntBits(b.coefficient())) {
                return false;
            }
        }
        return true;
    }

    public long eventCount() {
        long n = 0;
        for (Lineage l : lineage) {
            n += l.count();
        }
        return n;
    }
}
