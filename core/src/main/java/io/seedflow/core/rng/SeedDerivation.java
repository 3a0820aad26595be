package io.seedflow.core.rng;

/**
 * Derives the per-step perturbation seeds of a run from the run seed: seed(step, j) is the 64-bit value
 * (word1 << 32 | word0) of Philox4x32-10 with key (lo(runSeed), hi(runSeed)) and counter
 * (lo(step), hi(step), j, 0x05EEDF10). Replicas never derive seeds (records carry them); this only makes a
 * training run repeatable from its run seed.
 */
public final class SeedDerivation {
    static final int SEED_STREAM = 0x5EEDF10;

    private SeedDerivation() {
    }

    public static long perturbationSeed(long runSeed, long step, int perturbationIndex) {
        int[] w = new int[4];
        Philox4x32.block((int) step, (int) (step >>> 32), perturbationIndex, SEED_STREAM,
                Philox4x32.lo(runSeed), Philox4x32.hi(runSeed), w, 0);
        return ((long) w[1] << 32) | (w[0] & 0xFFFFFFFFL);
    }

    /** A stream of 64-bit values for data shuffling etc.: value i of stream {@code stream} under {@code seed}. */
    public static long value(long seed, int stream, long i) {
        int[] w = new int[4];
        Philox4x32.block((int) i, (int) (i >>> 32), stream, 0x0DA7A, Philox4x32.lo(seed), Philox4x32.hi(seed), w, 0);
        return ((long) w[1] << 32) | (w[0] & 0xFFFFFFFFL);
    }
}
