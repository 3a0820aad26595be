package io.seedflow.jobs.cli;

import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.jobs.study.text.TextRecipe;

/**
 * The offline recipes, where they differ from the declared (streaming) defaults of {@link TrainerSettings}: the
 * Fashion-MNIST ZO recipe of train-offline and the offline demo (docs/benchmarks.md §1: batch 512, cosine schedule
 * over the run), and the encoder recipe of the text study (docs/quality.md §6).
 */
final class Defaults {
    static final String MODEL = TrainerSettings.MLP_MODEL;
    static final long STEPS = 100_000;
    static final int BATCH = 512;
    static final double BACKPROP_LR = 0.05;
    static final LearningRateSchedule SCHEDULE = LearningRateSchedule.COSINE;
    /** The encoder recipe of the text study (docs/quality.md §6): MiniLM reading 128 tokens, batch 16. */
    static final String TEXT_MODEL = TextRecipe.MODEL;
    static final int TEXT_BATCH = TextRecipe.BATCH;
    static final long TEXT_STEPS = 265;
    /** The exact head's rate: the linear probe's choice on the time-ordered validation slice (docs/quality.md §6). */
    static final double TEXT_HEAD_LR = TextRecipe.HEAD_LEARNING_RATE;
    static final double TEXT_ZO_LR = TextRecipe.ZO_LEARNING_RATE;
    static final String TEXT_SUBSPACE_TENSORS = "layers.5.query.weight,layers.5.key.weight,layers.5.value.weight";
    static final int TEXT_SUBSPACE_WINDOW = 8;

    private Defaults() {
    }

    /** The recipe's ZO options for a run of {@code steps} steps (rate, ε and the rest as declared). */
    static ZoOptions zo(long steps, long seed) {
        return ZoOptions.builder().schedule(SCHEDULE).totalSteps(steps).runSeed(seed).build();
    }
}
