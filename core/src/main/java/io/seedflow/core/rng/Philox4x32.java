package io.seedflow.core.rng;

/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3"
 * (SC'11). A pure function of a 128-bit counter and a 64-bit key; matches the Random123 known-answer vectors.
 * Integer operations only, so every JVM and every CUDA device computes the same words.
 */
public final class Philox4x32 {
    static final int M0 = 0xD2511F53;
    static final int M1 = 0xCD9E8D57;
    static final int W0 = 0x9E3779B9;
    static final int W1 = 0xBB67AE85;
    public static final int ROUNDS = 10;

    private Philox4x32() {
    }

    /**
     * Computes the four output words for counter (c0..c3) and key (k0, k1) into {@code out[offset..offset+3]}.
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out, int offset) {
        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
        }
        out[offset] = c0;
        out[offset + 1] = c1;
        out[offset + 2] = c2;
        out[offset + 3] = c3;
    }

    /** Low 32 bits of a 64-bit value, the first key or counter word. */
    public static int lo(long v) {
        return (int) v;
    }

    /** High 32 bits of a 64-bit value, the second key or counter word. */
    public static int hi(long v) {
        return (int) (v >>> 32);
    }
}
