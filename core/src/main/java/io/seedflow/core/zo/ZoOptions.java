package io.seedflow.core.zo;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.TrainerSettings;
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
        double headLearningRate) implements java.io.Serializable {
    public static Builder builder() {
        return new Builder();
    }

    /** Learning rate of 1-based step {@code step}. */
    public double learningRateAt(long step) {
        return schedule.rate(learningRate, step, warmupSteps, totalSteps, finalLearningRateFraction);
    }

    /** Whether the head is trained by its exact gradient ({@link #TrainerSettings.HEAD_LEARNING_RATE.key()} > 0). */
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
    public void checkModel(ModelSpec model) {
        List<TensorSpec> specs = model.tensorSpecs();
        List<String> names = new ArrayList<>();
        specs.forEach(t -> names.add(t.name()));
        for (String t : sparsity.trainableTensors()) {
            if (!names.contains(t) && !t.equals(SparsityOptions.BITFIT)) {
                throw new InvalidConfigurationException(TrainerSettings.TRAINABLE_TENSORS.key(), t,
                        "is not a tensor of this model nor the preset " + SparsityOptions.BITFIT + "; its tensors are "
                                + names);
            }
        }
        List<String> trained = sparsity.trainableTensors().isEmpty() ? List.of()
                : sparsity.trainedTensorNames(model, exactHead());
        if (!sparsity.trainableTensors().isEmpty() && trained.isEmpty()) {
            throw new InvalidConfigurationException(TrainerSettings.TRAINABLE_TENSORS.key(),
                    sparsity.trainableTensors(), "selects no tensor of " + model.toText() + " for ZO to train");
        }
        if (exactHead()) {
            int[] headTensors = model.headTensors();
            if (headTensors.length == 0) {
                throw new InvalidConfigurationException(TrainerSettings.HEAD_LEARNING_RATE.key(), headLearningRate,
                        "needs a model whose head is a weight matrix and a bias; " + model.family() + " declares none");
            }
            if (headTensors.length == specs.size()) {
                throw new InvalidConfigurationException(TrainerSettings.HEAD_LEARNING_RATE.key(), headLearningRate,
                        "needs a body for ZO to train, but every tensor of " + model.toText() + " is its head; "
                        + "train it by ZO (" + TrainerSettings.HEAD_LEARNING_RATE.key() + "=0)");
            }
            for (int h : headTensors) {
                String t = names.get(h);
                if (sparsity.trainableTensors().contains(t) || subspace.tensors().contains(t)) { // named, not by preset
                    throw new InvalidConfigurationException(TrainerSettings.TRAINABLE_TENSORS.key(), t, "is the head, trained by "
                            + "its exact gradient with " + TrainerSettings.HEAD_LEARNING_RATE.key() + "; leave it out of the ZO settings");
                }
            }
        }
        long groupElements = 0;
        for (String t : subspace.tensors()) {
            int i = names.indexOf(t);
            if (i < 0) {
                throw new InvalidConfigurationException(TrainerSettings.SUBSPACE_TENSORS.key(), t,
                        "is not a tensor of this model; its tensors are " + names);
            }
            if (!trained.isEmpty() && !trained.contains(t)) {
                throw new InvalidConfigurationException(TrainerSettings.SUBSPACE_TENSORS.key(), t, "must be trained: add it to "
                        + TrainerSettings.TRAINABLE_TENSORS.key() + "=" + sparsity.trainableTensors());
            }
            groupElements += specs.get(i).elementCount();
        }
        if (groupElements * subspace.window() > SubspaceOptions.MAX_HISTORY_ELEMENTS) {
            throw new InvalidConfigurationException(TrainerSettings.SUBSPACE_TENSORS.key(), subspace.tensors(), "the group has "
                    + groupElements + " elements; with " + TrainerSettings.SUBSPACE_WINDOW.key() + "=" + subspace.window()
                    + " the window history must stay <= " + SubspaceOptions.MAX_HISTORY_ELEMENTS
                    + " elements (a bounded group, e.g. the head)");
        }
    }

    /** Builder with the defaults declared in {@link TrainerSettings}. */
    public static final class Builder {
        private double learningRate = TrainerSettings.LEARNING_RATE.defaultValue().orElseThrow();
        private float epsilon = TrainerSettings.EPSILON.defaultValue().orElseThrow();
        private int perturbations = TrainerSettings.PERTURBATIONS.defaultValue().orElseThrow();
        private double weightDecay = TrainerSettings.WEIGHT_DECAY.defaultValue().orElseThrow();
        private double gradientClip = TrainerSettings.GRADIENT_CLIP.defaultValue().orElseThrow();
        private LearningRateSchedule schedule = TrainerSettings.SCHEDULE.defaultValue().orElseThrow();
        private long warmupSteps = TrainerSettings.WARMUP_STEPS.defaultValue().orElseThrow();
        private long totalSteps = TrainerSettings.TOTAL_STEPS.defaultValue().orElseThrow();
        private double finalFraction = TrainerSettings.FINAL_LEARNING_RATE_FRACTION.defaultValue().orElseThrow();
        private NonFinitePolicy nonFinitePolicy = TrainerSettings.NON_FINITE_POLICY.defaultValue().orElseThrow();
        private long runSeed = TrainerSettings.RUN_SEED.defaultValue().orElseThrow();
        private ZoVariant variant = TrainerSettings.VARIANT.defaultValue().orElseThrow();
        private double momentum = TrainerSettings.MOMENTUM.defaultValue().orElseThrow();
        private int momentumTerms = TrainerSettings.MOMENTUM_TERMS.defaultValue().orElseThrow();
        private SparsityOptions sparsity = SparsityOptions.NONE;
        private SubspaceOptions subspace = SubspaceOptions.OFF;
        private double headLearningRate = TrainerSettings.HEAD_LEARNING_RATE.defaultValue().orElseThrow();

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
            TrainerSettings.LEARNING_RATE.check(learningRate);
            TrainerSettings.EPSILON.check(epsilon);
            TrainerSettings.PERTURBATIONS.check(perturbations);
            TrainerSettings.WEIGHT_DECAY.check(weightDecay);
            if (weightDecay * learningRate >= 1) {
                throw new InvalidConfigurationException(TrainerSettings.WEIGHT_DECAY.key(), weightDecay,
                        "learning rate x weight decay must be < 1 (learning rate " + learningRate + ")");
            }
            TrainerSettings.GRADIENT_CLIP.check(gradientClip);
            TrainerSettings.VARIANT.check(variant);
            TrainerSettings.MOMENTUM.check(momentum);
            TrainerSettings.MOMENTUM_TERMS.check(momentumTerms);
            TrainerSettings.HEAD_LEARNING_RATE.check(headLearningRate);
            TrainerSettings.WARMUP_STEPS.check(warmupSteps);
            TrainerSettings.TOTAL_STEPS.check(totalSteps);
            TrainerSettings.FINAL_LEARNING_RATE_FRACTION.check(finalFraction);
            TrainerSettings.NON_FINITE_POLICY.check(nonFinitePolicy);
            if (variant == ZoVariant.MOMENTUM && perturbations != 1) {
                throw new InvalidConfigurationException(TrainerSettings.PERTURBATIONS.key(), perturbations,
                        "must be 1 with " + TrainerSettings.VARIANT.key() + "=MOMENTUM");
            }
            if (variant == ZoVariant.CONSERVATIVE && perturbations != 1) {
                throw new InvalidConfigurationException(TrainerSettings.PERTURBATIONS.key(), perturbations,
                        "must be 1 with " + TrainerSettings.VARIANT.key() + "=CONSERVATIVE");
            }
            if (headLearningRate > 0 && variant != ZoVariant.SGD) {
                throw new InvalidConfigurationException(TrainerSettings.HEAD_LEARNING_RATE.key(), headLearningRate,
                        "an exact-gradient head needs " + TrainerSettings.VARIANT.key() + "=SGD, not " + variant);
            }
            if (sparsity == null) {
                sparsity = SparsityOptions.NONE;
            }
            if (subspace == null) {
                subspace = SubspaceOptions.OFF;
            }
            if (subspace.enabled() && (perturbations != 1 || variant == ZoVariant.MOMENTUM)) {
                throw new InvalidConfigurationException(TrainerSettings.SUBSPACE_TENSORS.key(), subspace.tensors(),
                        "needs " + TrainerSettings.PERTURBATIONS.key() + "=1 and a variant other than MOMENTUM (got q=" + perturbations
                                + ", " + variant + ")");
            }
            if (schedule != LearningRateSchedule.CONSTANT && totalSteps <= 0) {
                throw new InvalidConfigurationException(TrainerSettings.TOTAL_STEPS.key(), totalSteps,
                        "must be > 0 when " + TrainerSettings.SCHEDULE.key() + "=" + schedule);
            }
            return new ZoOptions(learningRate, epsilon, perturbations, weightDecay, gradientClip, schedule, warmupSteps,
                    totalSteps, finalFraction, nonFinitePolicy, runSeed, variant, momentum, momentumTerms, sparsity,
                    subspace, headLearningRate);
        }
    }
}
