package io.seedflow.core.model;

/**
 * One ZO probe on one shard of a mini-batch: the sums of the per-example losses at theta + eps z and theta - eps z
 * and the number of examples. Sums, not means, so shards evaluated on different subtasks combine exactly
 * ({@link #combinedWith} in a fixed shard order) into the step's mean losses.
 */
public record LossSums(double plus, double minus, int count) {
    public boolean finite() {
        return Double.isFinite(plus) && Double.isFinite(minus);
    }

    /** This shard followed by {@code next}: sums added in that order. */
    public LossSums combinedWith(LossSums next) {
        return new LossSums(plus + next.plus, minus + next.minus, count + next.count);
    }

    public double meanPlus() {
        return plus / count;
    }

    public double meanMinus() {
        return minus / count;
    }
}
