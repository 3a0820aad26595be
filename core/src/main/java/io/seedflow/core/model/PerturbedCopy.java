package io.seedflow.core.model;

import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;

/**
 * The perturbation rule of a paired pass (update-log spec §5–§6.2) for a family that reads a perturbed copy of its
 * weights: element e of tensor t becomes {@code fma(s, z, w)}, z = {@link PerturbationGenerator} (seed, t, e), 0 where
 * the step's mask freezes the element ({@link TensorMask#zeroFrozen}, on the unperturbed w). Generated in chunks with
 * per-thread scratch, so a range can be cut into parallel tasks; a chunk's values do not depend on the cut.
 */
public final class PerturbedCopy {
    /** Elements per chunk (and per parallel task of a caller). */
    public static final int CHUNK = 1 << 14;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private PerturbedCopy() {
    }

    /**
     * Elements [from, from + len) of tensor {@code t} (values {@code w}) perturbed by {@code s} (+eps or -eps) into
     * {@code out[outOff..]}; {@code mask} null means frozen (a plain copy).
     */
    public static void range(float[] w, int t, TensorMask mask, int from, int len, long seed, float s, float[] out,
            int outOff) {
        if (mask == null) {
            System.arraycopy(w, from, out, outOff, len);
            return;
        }
        Scratch sc = SCRATCH.get();
        for (int done = 0; done < len; done += CHUNK) {
            int m = Math.min(CHUNK, len - done);
            int e = from + done;
            PerturbationGenerator.fill(seed, t, e, sc.z, 0, m);
            mask.zeroFrozen(w, e, e, sc.z, m, sc.keep);
            int o = outOff + done;
            for (int i = 0; i < m; i++) {
                out[o + i] = Math.fma(s, sc.z[i], w[e + i]);
            }
        }
    }

    /** z and the mask's keep flags of one chunk, per thread. */
    private static final class Scratch {
        final float[] z = new float[CHUNK];
        final boolean[] keep = new boolean[CHUNK];
    }
}
