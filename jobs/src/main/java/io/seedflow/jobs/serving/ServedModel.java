package io.seedflow.jobs.serving;

import java.util.Optional;
import java.util.function.Function;

/**
 * The model a {@link PredictionServer} serves: weights that may change between requests but never during one.
 * {@link SubscriberModel} adapts the replica client; tests may serve fixed weights.
 */
public interface ServedModel {
    String modelId();

    /**
     * Calls {@code reader} with the current state while no update can be applied, and returns its result; empty
     * while there are no weights yet (before the first bootstrap). {@code reader} must not keep the weights.
     */
    <R> Optional<R> read(Function<ModelState, R> reader);

    /** Whether the weights still follow their source (false once it stopped, with or without an error). */
    boolean following();

    /** The error that stopped the weights from following their source, if any. */
    Optional<Exception> error();

    /** Where the weights come from, for messages (e.g. the updates topic and snapshot source). */
    String source();

    /** The newest step of the model seen in its log, applied or not (by default the served version; -1 if none). */
    default long newestStep() {
        return read(ModelState::version).orElse(-1L);
    }
}
