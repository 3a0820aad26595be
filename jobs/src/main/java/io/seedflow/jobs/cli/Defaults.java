package io.seedflow.jobs.cli;

import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.ZoOptions;

/** The Fashion-MNIST ZO recipe (measured in docs/benchmarks.md), shared by train-offline and demo. */
final class Defaults {
    static final String MODEL = "mlp:784x64x10:relu";
    static final String STEPS = "100000";
    static final String BATCH = "512";
    static final String ZO_LR = "5e-4";
    static final String BACKPROP_LR = "0.05";
    static final String EPSILON = "1e-3";
    static final String SCHEDULE = "cosine";
    static final String FINAL_FRACTION = "0";

    private Defaults() {
    }

    /** The recipe's ZO options for a run of {@code steps} steps. */
    static ZoOptions zo(long steps, long seed) {
        return ZoOptions.builder().learningRate(Double.parseDouble(ZO_LR)).epsilon(Float.parseFloat(EPSILON))
                .schedule(LearningRateSchedule.valueOf(SCHEDULE.toUpperCase()))
                .finalLearningRateFraction(Double.parseDouble(FINAL_FRACTION)).totalSteps(steps).runSeed(seed).build();
    }
}
