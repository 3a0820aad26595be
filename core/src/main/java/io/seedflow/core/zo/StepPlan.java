package io.seedflow.core.zo;

import io.seedflow.core.sparse.UpdateMask;

/**
 * The first part of a ZO step, decided before any forward pass from the step number and the unperturbed weights
 * alone, so every subtask holding the same weights plans the same step: the perturbation seeds (one per probe, in
 * record order), the learning rate of the step, epsilon and the update mask (null = dense).
 */
public record StepPlan(long step, double learningRate, float epsilon, long[] seeds, UpdateMask mask) {
    public StepPlan {
        seeds = seeds.clone();
    }

    @Override
    public long[] seeds() {
        return seeds.clone();
    }

    public int perturbations() {
        return seeds.length;
    }

    public long seed(int k) {
        return seeds[k];
    }
}
