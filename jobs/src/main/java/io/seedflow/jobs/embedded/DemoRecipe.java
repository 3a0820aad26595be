package io.seedflow.jobs.embedded;

import java.time.Duration;

/**
 * A data set's demo defaults: the model, the training recipe measured for it, and a rate and duration that show it
 * learning on a 2-core machine.
 *
 * @param modelSpec the model
 * @param batchSize examples per ZO step
 * @param learningRate ZO learning rate (constant schedule)
 * @param headLearningRate the exact head's rate, 0 = the head is trained by ZO too
 * @param eventsPerSecond valid events per second
 * @param duration how long the demo runs
 * @param poisonEvery one poison record after every this many valid events
 */
public record DemoRecipe(String modelSpec, int batchSize, double learningRate, double headLearningRate,
        double eventsPerSecond, Duration duration, long poisonEvery) {
}
