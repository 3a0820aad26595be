package io.seedflow.operators;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.log.ExistingLogPolicy;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.zo.ZoOptions;
import java.io.Serializable;
import java.time.Duration;

/**
 * The trainer's settings, typed and validated once ({@link ZoTrainerOptions#resolve}) when the job is built, the model
 * spec parsed once: what both trainer operators receive, instead of a {@code Configuration} to read and re-validate.
 * Immutable and serializable: it travels inside the job graph to every trainer subtask.
 *
 * @param spec the model (its family resolved)
 * @param initSeed seed of a fresh model's initial weights
 * @param zo the estimator's settings, checked against {@code spec}
 * @param batchSize examples per step
 * @param batchPieces pieces a batch is evaluated in (0 = one per trainer subtask)
 * @param probeGroups subtasks that share one data group's perturbations (data-parallel trainer)
 * @param maxWait how long a partly filled batch may wait before it trains
 * @param backend where the forward passes run
 * @param snapshotInterval steps between snapshots
 * @param snapshotDir the snapshot store (a Flink file system path)
 * @param retainNewest snapshots kept per model after completed checkpoints
 * @param retainMinAge the youngest snapshot age that may be retired
 * @param holdoutSource the source name of holdout examples (null = none)
 * @param holdoutSize holdout examples kept
 * @param holdoutEvalInterval steps between holdout evaluations
 * @param prequentialWindow examples in the prequential score's window
 * @param existingLog what to do with a model that has a log but no state here
 */
public record TrainerConfig(ModelSpec spec, long initSeed, ZoOptions zo, int batchSize, int batchPieces,
        int probeGroups, Duration maxWait, BackendChoice backend, int snapshotInterval, String snapshotDir,
        int retainNewest, Duration retainMinAge, String holdoutSource, int holdoutSize, int holdoutEvalInterval,
        int prequentialWindow, ExistingLogPolicy existingLog) implements Serializable {
}
