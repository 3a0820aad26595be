package io.seedflow.core.log;

import java.io.Serializable;
import io.seedflow.core.error.ForkedLogException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a trainer that starts a model without state finds the model's history: the log it must continue rather than
 * fork (a second step 1). Implemented over the updates topic (connectors' {@code UpdatesTopicHistory}); serializable,
 * so that a Flink operator carries it.
 */
@FunctionalInterface
public interface LogHistory extends Serializable {
    /** No history anywhere: every model starts fresh (offline training, tests). */
    LogHistory NONE = (modelId, historySteps) -> Optional.empty();

    /**
     * The committed history of {@code modelId}, with at least the newest {@code historySteps} records up to its
     * snapshot (the trainer's history: mask thresholds, momentum, subspace window); empty if the model has no log.
     */
    Optional<ModelHistory> of(String modelId, int historySteps);

    /** The newest committed step of {@code modelId}'s log, if it has one. */
    default OptionalLong lastStep(String modelId) {
        return of(modelId, 1).map(h -> OptionalLong.of(h.lastStep())).orElse(OptionalLong.empty());
    }

    /**
     * Refuses to go on with {@code modelId} when its committed log is past {@code restoredVersion}, the version a
     * trainer restored from its own state: another trainer continued the model meanwhile (a second job, or a restore
     * from an older checkpoint or savepoint), and writing on would fork the log.
     *
     * @throws ForkedLogException naming the model and both steps
     */
    default void requireNotPast(String modelId, long restoredVersion) {
        OptionalLong logged = lastStep(modelId);
        if (logged.isPresent() && logged.getAsLong() > restoredVersion) {
            throw new ForkedLogException("model '" + modelId + "': its log is at step " + logged.getAsLong()
                    + ", past this trainer's restored state at step " + restoredVersion + ": another trainer "
                    + "continued the model (a second job, or a restore from an older checkpoint or savepoint); this "
                    + "trainer stops so that the log stays one line of steps");
        }
    }
}
