package io.seedflow.core.sparse;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.rng.Philox4x32;

/**
 * Which elements of one tensor a step perturbs and updates (docs/update-log-spec.md §6.2). Element {@code e} with
 * unperturbed value {@code theta} is trained iff {@code |theta| <= maxMagnitude} (Sparse MeZO's dynamic mask; +inf
 * = no magnitude rule) and, when {@code keepFraction < 1}, {@code (x >>> 8) < floor(keepFraction * 2^24)} for word
 * {@code x = x_(e mod 4)} of Philox4x32-10 with key (lo(keepSeed), hi(keepSeed)) and counter
 * (lo(e/4), hi(e/4), tensor, 1) (a random mask of fixed density). Nothing is stored per element: the mask is
 * recomputed wherever it is needed from the weights and these four numbers.
 */
public record TensorMask(int tensor, float maxMagnitude, long keepSeed, float keepFraction) {
    /** Counter word 3 of the keep stream; z uses 0, so the two streams never share Philox blocks. */
    static final int KEEP_STREAM = 1;

    public TensorMask {
        if (tensor < 0) {
            throw new InvalidUpdateRecordException("mask tensor index must be >= 0, got " + tensor);
        }
        if (!(maxMagnitude >= 0)) {
            throw new InvalidUpdateRecordException("mask of tensor " + tensor + ": maxMagnitude must be >= 0 or "
                    + "+Infinity, got " + maxMagnitude);
        }
        if (!(keepFraction > 0 && keepFraction <= 1)) {
            throw new InvalidUpdateRecordException("mask of tensor " + tensor + ": keepFraction must be in (0, 1], got "
                    + keepFraction);
        }
    }

    /** Every element of the tensor is trained. */
    public static TensorMask dense(int tensor) {
        return new TensorMask(tensor, Float.POSITIVE_INFINITY, 0L, 1f);
    }

    public static TensorMask magnitude(int tensor, float threshold) {
        return new TensorMask(tensor, threshold, 0L, 1f);
    }

    public static TensorMask random(int tensor, long seed, float keepFraction) {
        return new TensorMask(tensor, Float.POSITIVE_INFINITY, seed, keepFraction);
    }

    public boolean dense() {
        return maxMagnitude == Float.POSITIVE_INFINITY && keepFraction == 1f;
    }

    /** floor(keepFraction * 2^24), exact: a float times a power of two is exact in double. */
    public int keepLimit() {
        return (int) Math.floor((double) keepFraction * (1 << 24));
    }

    /**
     * Marks which of elements [fromElement, fromElement + len) are trained: {@code out[i]} for the element whose
     * unperturbed value is {@code theta[thetaOff + i]}.
     */
    public void trained(float[] theta, int thetaOff, long fromElement, int len, boolean[] out) {
        float h = maxMagnitude;
        for (int i = 0; i < len; i++) {
            out[i] = Math.abs(theta[thetaOff + i]) <= h;
        }
        if (keepFraction < 1f) {
            int limit = keepLimit();
            int k0 = Philox4x32.lo(keepSeed);
            int k1 = Philox4x32.hi(keepSeed);
            int[] words = new int[4];
            long lastBlock = -1;
            for (int i = 0; i < len; i++) {
                long e = fromElement + i;
                long block = e >>> 2;
                if (block != lastBlock) {
                    Philox4x32.block((int) block, (int) (block >>> 32), tensor, KEEP_STREAM, k0, k1, words, 0);
                    lastBlock = block;
                }
                if ((words[(int) (e & 3)] >>> 8) >= limit) {
                    out[i] = false;
                }
            }
        }
    }

    /** Sets {@code z[i] = 0} for every element of [fromElement, fromElement + len) that is not trained. */
    public void zeroFrozen(float[] theta, int thetaOff, long fromElement, float[] z, int len, boolean[] scratch) {
        if (dense()) {
            return;
        }
        trained(theta, thetaOff, fromElement, len, scratch);
        for (int i = 0; i < len; i++) {
            if (!scratch[i]) {
                z[i] = 0f;
            }
        }
    }
}
