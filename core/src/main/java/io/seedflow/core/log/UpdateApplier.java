package io.seedflow.core.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceBasis;
import io.seedflow.core.subspace.SubspaceBasisCache;
import io.seedflow.core.subspace.SubspaceCorrection;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Applies an update record to weights in place, the one way trainer and replicas both do it (spec §5, §6). For
 * every trained tensor t and every element i that its mask trains (decided from theta before the update):
 * {@code theta = (rank(t) >= 2 && d != 1) ? theta * d : theta}, then for each term k in record order
 * {@code theta = fma(-c_k, z_k[t, i], theta)}, then, for a tensor in the subspace group, for each removed direction
 * j in record order {@code theta = fma(b_j, e_j[offset(t) + i], theta)}. Then, for a format-3 record, for each
 * head-delta tensor and each of its elements (whatever the mask says): {@code theta = theta + delta} (one fp32
 * addition). Element-wise, so any split across threads gives the same bits.
 */
public final class UpdateApplier {
    /** Elements per task; a multiple of 4 so Philox blocks are never split between tasks. */
    static final int CHUNK = 1 << 14;

    private UpdateApplier() {
    }

    /** Checks that the record can be applied at all; throws before any weight changes. */
    public static void validate(UpdateRecord r) {
        if (r.formatVersion() < UpdateRecord.FORMAT_VERSION
                || r.formatVersion() > UpdateRecord.FORMAT_VERSION_HEAD_DELTA) {
            throw new UnsupportedFormatVersionException("update record for step " + r.step(), r.formatVersion(),
                    UpdateRecord.FORMAT_VERSION, UpdateRecord.FORMAT_VERSION_HEAD_DELTA);
        }
        int expectedVersion = UpdateRecord.formatVersionFor(r.mask(), r.subspace(), r.headDelta());
        if (r.formatVersion() != expectedVersion) {
            throw new InvalidUpdateRecordException("step " + r.step() + " has format version " + r.formatVersion()
                    + " but " + switch (expectedVersion) {
                        case 1 -> "carries no mask, subspace correction or head delta (must be 1)";
                        case 2 -> "carries a mask or subspace correction and no head delta (must be 2)";
                        default -> "carries a head delta (must be 3)";
                    });
        }
        if (r.status() == UpdateStatus.SKIPPED_NON_FINITE && !r.perturbations().isEmpty()) {
            throw new InvalidUpdateRecordException("step " + r.step() + " is SKIPPED_NON_FINITE but carries "
                    + r.perturbations().size() + " perturbation terms; a skipped step must carry none");
        }
        if (r.status() == UpdateStatus.SKIPPED_NON_FINITE && r.headDelta() != null) {
            throw new InvalidUpdateRecordException("step " + r.step() + " is SKIPPED_NON_FINITE but carries a head "
                    + "delta of " + r.headDelta().valueCount() + " values; a skipped step must change no weight");
        }
        if (!Float.isFinite(r.decayFactor()) || r.decayFactor() <= 0f || r.decayFactor() > 1f) {
            throw new InvalidUpdateRecordException("step " + r.step() + ": decayFactor must be in (0, 1], got "
                    + r.decayFactor());
        }
        for (int k = 0; k < r.perturbations().size(); k++) {
            float c = r.perturbations().get(k).coefficient();
            if (!Float.isFinite(c)) {
                throw new InvalidUpdateRecordException("step " + r.step() + ": coefficient of term " + k
                        + " must be finite, got " + c);
            }
        }
        if (r.subspace() != null && r.perturbations().size() > 1) {
            throw new InvalidUpdateRecordException("step " + r.step() + ": a subspace correction needs at most one "
                    + "perturbation term, got " + r.perturbations().size());
        }
    }

    public static void apply(ParameterSet params, UpdateRecord r) {
        validate(r);
        if (r.status() == UpdateStatus.SKIPPED_NON_FINITE) {
            return;
        }
        if (r.mask() != null) {
            r.mask().checkTensorCount(params.size(), r.step());
        }
        if (r.headDelta() != null) {
            r.headDelta().checkShapes(params.specs(), r.step());
        }
        Correction correction = Correction.of(params, r);
        List<PerturbationTerm> terms = r.perturbations();
        int q = terms.size();
        long[] seeds = new long[q];
        float[] coeffs = new float[q];
        for (int k = 0; k < q; k++) {
            seeds[k] = terms.get(k).seed();
            coeffs[k] = terms.get(k).coefficient();
        }
        float d = r.decayFactor();
        for (int t = 0; t < params.size(); t++) {
            TensorMask mask = UpdateMask.of(r.mask(), t);
            if (mask == null) {
                continue; // frozen
            }
            float[] theta = params.tensor(t);
            boolean decay = d != 1f && params.spec(t).rank() >= 2;
            int tensorIndex = t;
            long groupOffset = correction == null ? -1 : correction.offsetOf(t);
            int chunks = (theta.length + CHUNK - 1) / CHUNK;
            IntStream range = IntStream.range(0, chunks);
            (chunks > 1 ? range.parallel() : range).forEach(ch -> applyChunk(theta, tensorIndex, mask, ch * CHUNK,
                    Math.min(CHUNK, theta.length - ch * CHUNK), decay, d, seeds, coeffs,
                    groupOffset < 0 ? null : correction, groupOffset));
        }
        if (r.headDelta() != null) {
            addHeadDelta(params, r.headDelta());
        }
    }

    /**
     * Spec §6.4: {@code theta = theta + delta} in fp32 for every element of every head-delta tensor, after the ZO
     * part and regardless of the mask (which governs only decay, perturbation terms and correction).
     */
    private static void addHeadDelta(ParameterSet params, HeadDelta delta) {
        for (int i = 0; i < delta.size(); i++) {
            float[] theta = params.tensor(delta.tensor(i));
            for (int e = 0; e < theta.length; e++) {
                theta[e] = theta[e] + delta.value(i, e);
            }
        }
    }

    /** The removed directions and their coefficients for a record with a subspace correction. */
    private record Correction(SubspaceCorrection section, long[] offsets, SubspaceBasis basis, float[] b) {
        static Correction of(ParameterSet params, UpdateRecord r) {
            SubspaceCorrection s = r.subspace();
            if (s == null) {
                return null;
            }
            for (int t : s.tensors()) {
                if (t >= params.size()) {
                    throw new InvalidUpdateRecordException("step " + r.step() + ": subspace group names tensor " + t
                            + " but the model has " + params.size() + " tensors");
                }
            }
            SubspaceBasis basis = SubspaceBasisCache.shared().get(params.specs(), s.window());
            if (s.removed().size() > basis.size()) {
                throw new InvalidUpdateRecordException("step " + r.step() + ": " + s.removed().size()
                        + " removed directions but the window's basis has only " + basis.size());
            }
            float[] b = new float[s.removed().size()];
            for (int j = 0; j < b.length; j++) {
                b[j] = s.removed().get(j);
            }
            return new Correction(s, SubspaceBasis.groupOffsets(params.specs(), s.tensors()), basis, b);
        }

        /** Offset of tensor t in the group vector, or -1 when t is not in the group. */
        long offsetOf(int t) {
            int g = section.tensors().indexOf(t);
            return g < 0 ? -1 : offsets[g];
        }

        /** Direction of removed coefficient j: the (size - r + j)-th basis direction (lowest variance last). */
        float[] direction(int j) {
            return basis.direction(basis.size() - b.length + j);
        }
    }

    private static final ThreadLocal<float[]> Z = ThreadLocal.withInitial(() -> new float[CHUNK]);
    private static final ThreadLocal<boolean[]> KEEP = ThreadLocal.withInitial(() -> new boolean[CHUNK]);

    private static void applyChunk(float[] theta, int tensorIndex, TensorMask mask, int from, int len, boolean decay,
            float d, long[] seeds, float[] coeffs, Correction correction, long groupOffset) {
        boolean[] keep = null;
        if (!mask.dense()) {
            keep = KEEP.get();
            mask.trained(theta, from, from, len, keep); // from the weights before this update
        }
        if (decay) {
            for (int i = from; i < from + len; i++) {
                if (keep == null || keep[i - from]) {
                    theta[i] = theta[i] * d;
                }
            }
        }
        float[] z = Z.get();
        for (int k = 0; k < seeds.length; k++) {
            PerturbationGenerator.fill(seeds[k], tensorIndex, from, z, 0, len);
            float negC = -coeffs[k];
            for (int i = 0; i < len; i++) {
                if (keep == null || keep[i]) {
                    theta[from + i] = Math.fma(negC, z[i], theta[from + i]);
                }
            }
        }
        if (correction != null) {
            int base = Math.toIntExact(groupOffset + from);
            for (int j = 0; j < correction.b.length; j++) {
                float[] e = correction.direction(j);
                float bj = correction.b[j];
                for (int i = 0; i < len; i++) {
                    if (keep == null || keep[i]) {
                        theta[from + i] = Math.fma(bj, e[base + i], theta[from + i]);
                    }
                }
            }
        }
    }
}
