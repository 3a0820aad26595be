package io.seedflow.jobs.cli;

import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.ZoOptions;

/** The Fashion-MNIST ZO recipe (measured in docs/benchmarks.md), shared by train-offline and demo, and the text study's. */
final class Defaults {
    static final String MODEL = "mlp:784x64x10:relu";
    static final String STEPS = "100000";
    static final String BATCH = "512";
    static final String ZO_LR = "5e-4";
    static final String BACKPROP_LR = "0.05";
    static final String EPSILON = "1e-3";
    static final String SCHEDULE = "cosine";
    static final String FINAL_FRACTION = "0";
    /** The encoder recipe of the text study (docs/quality.md §6): MiniLM reading 128 tokens, batch 16. */
    static final String TEXT_MODEL = "encoder:all-minilm-l6-v2:2";
    static final String TEXT_BATCH = "16";
    static final String TEXT_STEPS = "265";
    /** The exact head's rate: the linear probe's choice on the time-ordered validation slice (docs/quality.md §6). */
    static final String TEXT_HEAD_LR = "3";
    static final String TEXT_ZO_LR = "1e-5";
    static final String TEXT_SUBSPACE_TENSORS = "layers.5.query.weight,layers.5.key.weight,layers.5.value.weight";
    static final String TEXT_SUBSPACE_WINDOW = "8";

    private Defaults() {
    }

    /** The recipe's ZO options for a run of {@code steps} steps. */
    static ZoOptions zo(long steps, long seed) {
        return ZoOptions.builder().learningRate(Double.parseDouble(ZO_LR)).epsilon(Float.parseFloat(EPSILON))
                .schedule(LearningRateSchedule.valueOf(SCHEDULE.toUpperCase()))
                .finalLearningRateFraction(Double.parseDouble(FINAL_FRACTION)).totalSteps(steps).runSeed(seed).build();
    }
}
