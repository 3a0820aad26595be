package io.seedflow.core.zo;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;

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
        ZoVariant variant,
        double momentum,
        int momentumTerms,
        SparsityOptions sparsity,
        SubspaceOptions subspace,
        double headLearningRate) {
    /**
     * Learning rate of the exact-gradient head (ElasticZO): > 0 trains the model's head (its last two tensors, weight
     * and bias) with the exact gradient of the step's loss, carried in the record as a head delta, while ZO trains the
     * body; 0 trains the head by ZO like the body.
     */
    public static final String HEAD_LEARNING_RATE_KEY = "seedflow.zo.head-learning-rate";
    public static final String MOMENTUM_KEY = "seedflow.zo.momentum";
    public static final String MOMENTUM_TERMS_KEY = "seedflow.zo.momentum-terms";

    public static Builder builder() {
        return new Builder();
    }

    /** Learning rate of 1-based step {@code step}. */
    public double learningRateAt(long step) {
        return schedule.rate(learningRate, step, warmupSteps, totalSteps, finalLearningRateFraction);
    }

    /** Whether the head is trained by its exact gradient ({@link #HEAD_LEARNING_RATE_KEY} > 0). */
    public boolean exactHead() {
        return headLearningRate > 0;
    }

    /** The exact head's learning rate at step {@code step}: the same schedule as the body's. */
    public double headLearningRateAt(long step) {
        return schedule.rate(headLearningRate, step, warmupSteps, totalSteps, finalLearningRateFraction);
    }

    /**
     * Checks the tensor names of the sparsity and subspace settings against a model's tensors; the message names
     * the setting, the unknown name and the tensors that exist.
     */
    public void checkModel(List<TensorSpec> specs) {
        List<String> names = new ArrayList<>();
        specs.forEach(t -> names.add(t.name()));
        for (String t : sparsity.trainableTensors()) {
            if (!names.contains(t)) {
                throw new InvalidConfigurationException(SparsityOptions.TENSORS_KEY, t,
                        "is not a tensor of this model; its tensors are " + names);
            }
        }
        if (exactHead()) {
            if (specs.size() < 2 || specs.get(specs.size() - 2).rank() != 2 || specs.get(specs.size() - 1).rank() != 1) {
                throw new InvalidConfigurationException(HEAD_LEARNING_RATE_KEY, headLearningRate,
                        "needs a model whose last two tensors are a head weight matrix and bias");
            }
            List<String> head = names.subList(names.size() - 2, names.size());
            for (String t : head) {
                if (sparsity.trainableTensors().contains(t) || subspace.tensors().contains(t)) {
                    throw new InvalidConfigurationException(SparsityOptions.TENSORS_KEY, t, "is the head, trained by "
                            + "its exact gradient with " + HEAD_LEARNING_RATE_KEY + "; leave it out of the ZO settings");
                }
            }
        }
        long groupElements = 0;
        for (String t : subspace.tensors()) {
            int i = names.indexOf(t);
            if (i < 0) {
                throw new InvalidConfigurationException(SubspaceOptions.TENSORS_KEY, t,
                        "is not a tensor of this model; its tensors are " + names);
            }
            if (!sparsity.trainableTensors().isEmpty() && !sparsity.trainableTensors().contains(t)) {
                throw new InvalidConfigurationException(SubspaceOptions.TENSORS_KEY, t, "must be trained: add it to "
                        + SparsityOptions.TENSORS_KEY + "=" + sparsity.trainableTensors());
            }
            groupElements += specs.get(i).elementCount();
        }
        if (groupElements * subspace.window() > SubspaceOptions.MAX_HISTORY_ELEMENTS) {
            throw new InvalidConfigurationException(SubspaceOptions.TENSORS_KEY, subspace.tensors(), "the group has "
                    + groupElements + " elements; with " + SubspaceOptions.WINDOW_KEY + "=" + subspace.window()
                    + " the window history must stay <= " + SubspaceOptions.MAX_HISTORY_ELEMENTS
                    + " elements (a bounded group, e.g. the head)");
        }
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
        private double momentum = 0.9;
        private int momentumTerms = 32;
        private SparsityOptions sparsity = SparsityOptions.NONE;
        private SubspaceOptions subspace = SubspaceOptions.OFF;
        private double headLearningRate = 0;

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
        public Builder momentum(double v) { momentum = v; return this; }
        public Builder momentumTerms(int v) { momentumTerms = v; return this; }
        public Builder sparsity(SparsityOptions v) { sparsity = v; return this; }
        public Builder subspace(SubspaceOptions v) { subspace = v; return this; }
        public Builder headLearningRate(double v) { headLearningRate = v; return this; }

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
                throw new InvalidConfigurationException("seedflow.zo.variant", null, "must be SGD, SIGN, MOMENTUM or CONSERVATIVE");
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new InvalidConfigurationException(MOMENTUM_KEY, momentum, "must be in [0, 1) (beta)");
            }
            if (momentumTerms < 1 || momentumTerms > 1024) {
                throw new InvalidConfigurationException(MOMENTUM_TERMS_KEY, momentumTerms, "must be in [1, 1024] "
                        + "(past steps unrolled into each record)");
            }
            if (variant == ZoVariant.MOMENTUM && perturbations != 1) {
                throw new InvalidConfigurationException("seedflow.zo.perturbations", perturbations,
                        "must be 1 with seedflow.zo.variant=MOMENTUM");
            }
            if (variant == ZoVariant.CONSERVATIVE && perturbations != 1) {
                throw new InvalidConfigurationException("seedflow.zo.perturbations", perturbations,
                        "must be 1 with seedflow.zo.variant=CONSERVATIVE");
            }
            if (!(headLearningRate >= 0) || !Double.isFinite(headLearningRate)) {
                throw new InvalidConfigurationException(HEAD_LEARNING_RATE_KEY, headLearningRate,
                        "must be finite and >= 0 (0 = the head is trained by ZO)");
            }
            if (headLearningRate > 0 && variant != ZoVariant.SGD) {
                throw new InvalidConfigurationException(HEAD_LEARNING_RATE_KEY, headLearningRate,
                        "an exact-gradient head needs seedflow.zo.variant=SGD, not " + variant);
            }
            if (sparsity == null) {
                sparsity = SparsityOptions.NONE;
            }
            if (subspace == null) {
                subspace = SubspaceOptions.OFF;
            }
            if (subspace.enabled() && (perturbations != 1 || variant == ZoVariant.MOMENTUM)) {
                throw new InvalidConfigurationException(SubspaceOptions.TENSORS_KEY, subspace.tensors(),
                        "needs seedflow.zo.perturbations=1 and a variant other than MOMENTUM (got q=" + perturbations
                                + ", " + variant + ")");
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
                    totalSteps, finalFraction, nonFinitePolicy, runSeed, variant, momentum, momentumTerms, sparsity,
                    subspace, headLearningRate);
        }
    }
}
