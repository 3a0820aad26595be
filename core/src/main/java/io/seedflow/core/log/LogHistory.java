package io.seedflow.core.log;

import java.io.Serializable;
import java.util.Optional;

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
}
