package io.seedflow.core.rng;

import io.seedflow.core.tensor.VectorSupport;

/**
 * The perturbation direction z of SeedFlow: element {@code e} of tensor {@code t} under seed {@code s} is lane
 * {@code e mod 4} of the Gaussian quadruple made from Philox4x32-10 with key (lo(s), hi(s)) and counter
 * (lo(e/4), hi(e/4), t, 0). Lanes 0,1 come from words (0,1) and lanes 2,3 from words (2,3) by
 * {@link DeterministicGaussian#pair}. Any element can be generated alone, so tensors split across threads or GPU
 * blocks get the same values.
 */
public final class PerturbationGenerator {
    private static final boolean VECTOR = VectorSupport.enabled() && VectorGaussianKernel.usable();

    private PerturbationGenerator() {
    }

    /**
     * Fills the whole of {@code out} with {@code std} x z of tensor {@code tensorIndex} (each value a float product):
     * the random initial weights of the families, N(0, std^2) under {@code seed}.
     */
    public static void fillScaled(long seed, int tensorIndex, float[] out, float std) {
        fill(seed, tensorIndex, 0, out, 0, out.length);
        for (int i = 0; i < out.length; i++) {
            out[i] *= std;
        }
    }

    /** Fills {@code out[offset..offset+length)} with z for elements [fromElement, fromElement+length) of a tensor. */
    public static void fill(long seed, int tensorIndex, long fromElement, float[] out, int offset, int length) {
        int k0 = Philox4x32.lo(seed);
        int k1 = Philox4x32.hi(seed);
        int[] words = new int[4];
        float[] quad = new float[4];
        long e = fromElement;
        long end = fromElement + length;
        int o = offset;
        // unaligned head: generate the whole quadruple and copy the lanes we need
        while (e < end && (e & 3) != 0) {
            quadruple(k0, k1, e >>> 2, tensorIndex, words, quad);
            out[o++] = quad[(int) (e & 3)];
            e++;
        }
        if (VECTOR) {
            VectorGaussianKernel.Scratch scratch = new VectorGaussianKernel.Scratch();
            int lanes = VectorGaussianKernel.LANES;
            // the vector kernel keeps the block counter's high word fixed, so stop before 2^32 blocks would wrap
            while (end - e >= 4L * lanes && ((e >>> 2) & 0xFFFFFFFFL) <= 0xFFFFFFFFL - lanes) {
                VectorGaussianKernel.blocks(k0, k1, tensorIndex, e >>> 2, out, o, scratch);
                o += 4 * lanes;
                e += 4L * lanes;
            }
        }
        // hot loop: Philox inlined into locals so the JIT keeps the state in registers
        while (end - e >= 4) {
            long block = e >>> 2;
            int c0 = (int) block;
            int c1 = (int) (block >>> 32);
            int c2 = tensorIndex;
            int c3 = 0;
            int ka = k0;
            int kb = k1;
            for (int round = 0; round < Philox4x32.ROUNDS; round++) {
                if (round > 0) {
                    ka += Philox4x32.W0;
                    kb += Philox4x32.W1;
                }
                long p0 = (Philox4x32.M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
                long p1 = (Philox4x32.M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
                c0 = (int) (p1 >>> 32) ^ c1 ^ ka;
                c1 = (int) p1;
                c2 = (int) (p0 >>> 32) ^ c3 ^ kb;
                c3 = (int) p0;
            }
            DeterministicGaussian.pair(c0, c1, out, o);
            DeterministicGaussian.pair(c2, c3, out, o + 2);
            o += 4;
            e += 4;
        }
        while (e < end) {
            quadruple(k0, k1, e >>> 2, tensorIndex, words, quad);
            out[o++] = quad[(int) (e & 3)];
            e++;
        }
    }

    /** z for one element; slow (a whole Philox block per value), for tests and spot checks. */
    public static float element(long seed, int tensorIndex, long element) {
        float[] quad = new float[4];
        quadruple(Philox4x32.lo(seed), Philox4x32.hi(seed), element >>> 2, tensorIndex, new int[4], quad);
        return quad[(int) (element & 3)];
    }

    private static void quadruple(int k0, int k1, long block, int tensorIndex, int[] words, float[] quad) {
        Philox4x32.block((int) block, (int) (block >>> 32), tensorIndex, 0, k0, k1, words, 0);
        DeterministicGaussian.pair(words[0], words[1], quad, 0);
        DeterministicGaussian.pair(words[2], words[3], quad, 2);
    }
}
