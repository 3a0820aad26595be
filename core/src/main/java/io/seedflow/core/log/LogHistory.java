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

    /** The committed record of {@code modelId} at {@code step}, if the log holds one (the first, if several). */
    default Optional<UpdateRecord> recordAt(String modelId, long step) {
        return Optional.empty();
    }

    /** The newest seal of {@code modelId}'s committed log (docs/update-log-spec.md §10), if it is signed. */
    default Optional<LogSeal> newestSeal(String modelId) {
        return of(modelId, 0).map(ModelHistory::newestSeal);
    }

    /** The rollback of {@code modelId} at {@code step} in the committed log, if that step is one. */
    default Optional<ModelRollback> rollbackAt(String modelId, long step) {
        return Optional.empty();
    }

    /**
     * What a trainer restored from its own state at version {@code restoredVersion}, whose newest own record is
     * {@code ownLast} (null if its state holds none), does with a model: go on (empty), or take up the rollback an
     * operator appended right after that version (docs/update-log-spec.md §11: the log's last step is a rollback at
     * {@code restoredVersion + 1}, written while the job was stopped). Refuses any other log that is not this line:
     * one whose newest step is past the restored version, or whose record of {@code ownLast}'s step is another one.
     * Another trainer continued the model meanwhile (a second job, or this is a restore from an older checkpoint or
     * savepoint), and writing on would fork the log.
     *
     * @throws ForkedLogException naming the model and the steps
     */
    default Optional<ModelRollback> afterRestore(String modelId, long restoredVersion, UpdateRecord ownLast) {
        OptionalLong logged = lastStep(modelId);
        Optional<ModelRollback> rollback = Optional.empty();
        if (logged.isPresent() && logged.getAsLong() > restoredVersion) {
            rollback = logged.getAsLong() == restoredVersion + 1 ? rollbackAt(modelId, restoredVersion + 1)
                    : Optional.empty();
            if (rollback.isEmpty()) {
                throw new ForkedLogException("model '" + modelId + "': its log is at step " + logged.getAsLong()
                        + ", past this trainer's restored state at step " + restoredVersion + ": another trainer "
                        + "continued the model (a second job, or a restore from an older checkpoint or savepoint); "
                        + "this trainer stops so that the log stays one line of steps");
            }
        }
        if (ownLast != null) {
            recordAt(modelId, ownLast.step()).filter(logged2 -> !logged2.sameUpdateAs(ownLast)).ifPresent(other -> {
                throw new ForkedLogException("model '" + modelId + "': the log's step " + ownLast.step()
                        + " is not this trainer's own step " + ownLast.step() + " (another trainer wrote it); this "
                        + "trainer stops so that the log stays one line of steps");
            });
        }
        return rollback;
    }
}
