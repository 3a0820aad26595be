package io.seedflow.core.zo;

/** How the learning rate moves over a run of {@code totalSteps}: linear warm-up, then constant, cosine or linear. */
public enum LearningRateSchedule {
    CONSTANT, COSINE, LINEAR;

    /**
     * Learning rate at 1-based {@code step}: base * min(1, step / warmup) * shape(progress), where shape decays from
     * 1 to {@code finalFraction} (cosine or linear) after warm-up; steps past {@code totalSteps} keep the final rate.
     */
    public double rate(double base, long step, long warmupSteps, long totalSteps, double finalFraction) {
        double warm = warmupSteps > 0 ? Math.min(1.0, (double) step / warmupSteps) : 1.0;
        if (this == CONSTANT || totalSteps <= warmupSteps) {
            return base * warm;
        }
        double progress = Math.min(1.0, Math.max(0.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps)));
        double shape = this == COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1.0 - progress;
        return base * warm * (finalFraction + (1 - finalFraction) * shape);
    }
}
