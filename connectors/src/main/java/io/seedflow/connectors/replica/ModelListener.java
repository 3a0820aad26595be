package io.seedflow.connectors.replica;

import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.tensor.ParameterSet;

/**
 * Callbacks of a {@link ModelUpdateSubscriber}, all on the subscriber's thread, in the order things happen. A
 * callback that throws stops the subscriber; the exception is stored and rethrown by
 * {@link ModelUpdateSubscriber#checkError()} and {@link ModelUpdateSubscriber#close()}.
 */
public interface ModelListener {
    /**
     * A record was applied; the model is now at {@code version}. {@code weights} are the live weights, read-locked
     * for the duration of the call: read them here, copy them ({@link ParameterSet#copy()}) to keep them.
     */
    default void onUpdate(long version, ParameterSet weights) {
    }

    /** A record was applied, turning the weights into {@code version}; applying it took {@code applyNanos}. */
    default void onApplied(long version, long applyNanos) {
    }

    /**
     * The subscriber applied rollback {@code rollback} (docs/update-log-spec.md §11): the weights are those of version
     * {@code rollback.toVersion()} again, now as version {@code rollback.step()}; {@link #onApplied} and
     * {@link #onUpdate} follow.
     */
    default void onRolledBack(ModelRollback rollback) {
    }

    /** The subscriber (re-)loaded the weights of snapshot {@code snapshotId} (its SHA-256), at {@code step}. */
    default void onBootstrap(long step, String snapshotId) {
    }

    /**
     * The subscriber stopped applying records because of {@code error} (a gap no snapshot covers, a refused record,
     * a Kafka or registry failure). Nothing is applied after this call.
     */
    default void onError(Exception error) {
    }
}
