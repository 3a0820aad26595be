package io.seedflow.jobs.serving;

import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Serves the weights of a {@link ModelUpdateSubscriber}: each read runs under the subscriber's read lock, where its
 * version, snapshot id, bootstrap step and model spec are those of the weights being read.
 */
public final class SubscriberModel implements ServedModel {
    private final ModelUpdateSubscriber subscriber;
    private final String source;

    /** @param source where the subscriber's weights come from, for messages */
    public SubscriberModel(ModelUpdateSubscriber subscriber, String source) {
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public String modelId() {
        return subscriber.modelId();
    }

    @Override
    public <R> Optional<R> read(Function<ModelState, R> reader) {
        return subscriber.read(weights -> reader.apply(new ModelState(subscriber.modelId(), subscriber.version(),
                subscriber.modelSpec(), subscriber.snapshotId(), subscriber.bootstrapStep(), weights)));
    }

    @Override
    public boolean following() {
        return subscriber.isRunning();
    }

    @Override
    public Optional<Exception> error() {
        return subscriber.error();
    }

    @Override
    public long newestStep() {
        return subscriber.newestStep();
    }

    @Override
    public String source() {
        return source;
    }
}
