package io.seedflow.core.zo;

import io.seedflow.core.error.InvalidConfigurationException;

/**
 * Settings of the MeZO ZO-SGD estimator (Malladi et al., "Fine-Tuning Language Models with Just Forward Passes",
 * NeurIPS 2023), immutable and validated once in {@link Builder#build()}. Names match the job's configuration keys
 * ({@code seedflow.zo.*}).
 */
public record ZoOptions(
        double learningRate,
        float epsilon,
        int perturbations,
        double weightDecay,
        double gradientClip,
        LearningRateSchedule schedule,
        long warmupSteps,
        long totalSteps,
        double finalLearningRateFraction,
        NonFinitePolicy nonFinitePolicy,
        long runSeed,
        ZoVariant variant) {

    public static Builder builder() {
        return new Builder();
    }

    /** Learning rate of 1-based step {@code step}. */
    public double learningRateAt(long step) {
        return schedule.rate(learningRate, step, warmupSteps, totalSteps, finalLearningRateFraction);
    }

    /** Builder with the defaults of the Fashion-MNIST recipe in docs/benchmarks.md. */
    public static final class Builder {
        private double learningRate = 1e-3;
        private float epsilon = 1e-3f;
        private int perturbations = 1;
        private double weightDecay = 0;
        private double gradientClip = 0;
        private LearningRateSchedule schedule = LearningRateSchedule.CONSTANT;
        private long warmupSteps = 0;
        private long totalSteps = 0;
        private double finalFraction = 0;
        private NonFinitePolicy nonFinitePolicy = NonFinitePolicy.SKIP;
        private long runSeed = 42;
        private ZoVariant variant = ZoVariant.SGD;

        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder epsilon(float v) { epsilon = v; return this; }
        public Builder perturbations(int v) { perturbations = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder gradientClip(double v) { gradientClip = v; return this; }
        public Builder schedule(LearningRateSchedule v) { schedule = v; return this; }
        public Builder warmupSteps(long v) { warmupSteps = v; return this; }
        public Builder totalSteps(long v) { totalSteps = v; return this; }
        public Builder finalLearningRateFraction(double v) { finalFraction = v; return this; }
        public Builder nonFinitePolicy(NonFinitePolicy v) { nonFinitePolicy = v; return this; }
        public Builder runSeed(long v) { runSeed = v; return this; }
        public Builder variant(ZoVariant v) { variant = v; return this; }

        public ZoOptions build() {
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new InvalidConfigurationException("seedflow.zo.learning-rate", learningRate, "must be finite and > 0");
            }
            if (!(epsilon > 0) || !Float.isFinite(epsilon)) {
                throw new InvalidConfigurationException("seedflow.zo.epsilon", epsilon, "must be finite and > 0 (typical 1e-3)");
            }
            if (perturbations < 1 || perturbations > 1024) {
                throw new InvalidConfigurationException("seedflow.zo.perturbations", perturbations, "must be in [1, 1024]");
            }
            if (!(weightDecay >= 0) || weightDecay * learningRate >= 1) {
                throw new InvalidConfigurationException("seedflow.zo.weight-decay", weightDecay,
                        "must be >= 0 with learning-rate * weight-decay < 1");
            }
            if (!(gradientClip >= 0)) {
                throw new InvalidConfigurationException("seedflow.zo.gradient-clip", gradientClip, "must be >= 0 (0 = no clipping)");
            }
            if (variant == null) {
                throw new InvalidConfigurationException("seedflow.zo.variant", null, "must be SGD or SIGN");
            }
            if (warmupSteps < 0) {
                throw new InvalidConfigurationException("seedflow.zo.warmup-steps", warmupSteps, "must be >= 0");
            }
            if (schedule != LearningRateSchedule.CONSTANT && totalSteps <= 0) {
                throw new InvalidConfigurationException("seedflow.zo.total-steps", totalSteps,
                        "must be > 0 when seedflow.zo.schedule=" + schedule);
            }
            if (!(finalFraction >= 0 && finalFraction <= 1)) {
                throw new InvalidConfigurationException("seedflow.zo.final-learning-rate-fraction", finalFraction, "must be in [0, 1]");
            }
            return new ZoOptions(learningRate, epsilon, perturbations, weightDecay, gradientClip, schedule, warmupSteps,
                    totalSteps, finalFraction, nonFinitePolicy, runSeed, variant);
        }
    }
}
