package io.seedflow.jobs.study;

import io.seedflow.core.data.EpochSampler;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;

/**
 * A Fashion-MNIST event stream with concept drift: shuffled epochs of the training set, and from event
 * {@code driftAtEvent} on every label is permuted (label y becomes {@link #PERMUTATION}[y]): the inputs stay, what
 * they mean changes, so a model must unlearn and relearn the head. The same permutation applies to the test set
 * after the drift.
 */
public final class DriftingStream {
    /** A derangement: every class changes its label. */
    public static final int[] PERMUTATION = {3, 7, 0, 9, 1, 8, 2, 4, 6, 5};

    private final LabeledDataset train;
    private final EpochSampler sampler;
    private final long driftAtEvent;
    private long events;

    public DriftingStream(LabeledDataset train, long seed, long driftAtEvent) {
        this.train = train;
        this.sampler = new EpochSampler(train.count(), seed);
        this.driftAtEvent = driftAtEvent;
    }

    /** The next {@code size} events; labels permuted for events at or after the drift. */
    public Batch next(int size) {
        EpochSampler.Draw d = sampler.next(size);
        Batch b = train.batch(d.order(), d.offset(), d.size());
        int[] labels = b.labels().clone();
        for (int i = 0; i < labels.length; i++) {
            if (events + i >= driftAtEvent) {
                labels[i] = PERMUTATION[labels[i]];
            }
        }
        events += size;
        return new Batch(b.features(), labels, b.size(), b.featureCount());
    }

    public long events() {
        return events;
    }

    public boolean drifted() {
        return events > driftAtEvent;
    }

    /** Test labels as they are after {@code drifted} or before. */
    public static int[] testLabels(LabeledDataset test, int count, boolean drifted) {
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            y[i] = drifted ? PERMUTATION[test.labels()[i]] : test.labels()[i];
        }
        return y;
    }
}
