package io.seedflow.core.data;

import io.seedflow.core.rng.SeedDerivation;

/**
 * Deterministic mini-batches: each epoch is a Fisher-Yates shuffle driven by {@link SeedDerivation#value}, so a run
 * is repeatable from its seed. Batches never straddle epochs (the tail of an epoch that does not fill a batch is
 * dropped). Positions are global: position p is example {@code order[p mod n]} of epoch {@code p / n}.
 */
public final class EpochSampler {
    private final int count;
    private final long seed;
    private final int[] order;
    private int epoch = -1;
    private int next;
    private long epochStart;

    public EpochSampler(int count, long seed) {
        this.count = count;
        this.seed = seed;
        this.order = new int[count];
        newEpoch();
    }

    /**
     * The example indices of the next batch and the global positions [from, from+size) they came from. {@code order}
     * is the sampler's live array: read the batch before the next call to {@link #next}, which may reshuffle it.
     */
    public record Draw(int[] order, int offset, int size, long fromPosition) {
    }

    public Draw next(int size) {
        if (size > count) {
            throw new IllegalArgumentException("batch size " + size + " exceeds the data set size " + count);
        }
        if (next + size > count) {
            newEpoch();
        }
        Draw d = new Draw(order, next, size, epochStart + next);
        next += size;
        return d;
    }

    private void newEpoch() {
        epoch++;
        epochStart = (long) epoch * count;
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        for (int i = count - 1; i > 0; i--) {
            long r = SeedDerivation.value(seed, epoch, i) >>> 1;
            int j = (int) (r % (i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        next = 0;
    }
}
