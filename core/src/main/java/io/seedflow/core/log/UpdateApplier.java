package io.seedflow.core.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Applies an update record to weights in place, the one way trainer and replicas both do it: for every tensor t
 * and element i, {@code theta = (rank(t) >= 2 && d != 1) ? theta * d : theta}, then for each term k in record order
 * {@code theta = fma(-c_k, z_k[t, i], theta)}. Element-wise, so any split across threads gives the same bits.
 */
public final class UpdateApplier {
    /** Elements per task; a multiple of 4 so Philox blocks are never split between tasks. */
    static final int CHUNK = 1 << 14;

    private UpdateApplier() {
    }

    /** Checks that the record can be applied at all; throws before any weight changes. */
    public static void validate(UpdateRecord r) {
        if (r.formatVersion() != UpdateRecord.FORMAT_VERSION) {
            throw new UnsupportedFormatVersionException("update record for step " + r.step(), r.formatVersion(),
                    UpdateRecord.FORMAT_VERSION);
        }
        if (r.status() == UpdateStatus.SKIPPED_NON_FINITE && !r.perturbations().isEmpty()) {
            throw new InvalidUpdateRecordException("step " + r.step() + " is SKIPPED_NON_FINITE but carries "
                    + r.perturbations().size() + " perturbation terms; a skipped step must carry none");
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
    }

    public static void apply(ParameterSet params, UpdateRecord r) {
        validate(r);
        if (r.status() == UpdateStatus.SKIPPED_NON_FINITE) {
            return;
        }
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
            float[] theta = params.tensor(t);
            boolean decay = d != 1f && params.spec(t).rank() >= 2;
            int tensorIndex = t;
            int chunks = (theta.length + CHUNK - 1) / CHUNK;
            IntStream range = IntStream.range(0, chunks);
            (chunks > 1 ? range.parallel() : range).forEach(ch -> applyChunk(theta, tensorIndex, ch * CHUNK,
                    Math.min(CHUNK, theta.length - ch * CHUNK), decay, d, seeds, coeffs));
        }
    }

    private static final ThreadLocal<float[]> Z = ThreadLocal.withInitial(() -> new float[CHUNK]);

    private static void applyChunk(float[] theta, int tensorIndex, int from, int len, boolean decay, float d,
            long[] seeds, float[] coeffs) {
        if (decay) {
            for (int i = from; i < from + len; i++) {
                theta[i] = theta[i] * d;
            }
        }
        float[] z = Z.get();
        for (int k = 0; k < seeds.length; k++) {
            PerturbationGenerator.fill(seeds[k], tensorIndex, from, z, 0, len);
            float negC = -coeffs[k];
            for (int i = 0; i < len; i++) {
                theta[from + i] = Math.fma(negC, z[i], theta[from + i]);
            }
        }
    }
}
