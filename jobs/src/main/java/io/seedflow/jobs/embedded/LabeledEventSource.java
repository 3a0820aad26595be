package io.seedflow.jobs.embedded;

import io.seedflow.core.data.EpochSampler;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.schemas.LabeledEvent;
import java.time.Instant;

/**
 * The events a {@link LabeledEventProducer} sends, in order, one at a time (called from the producer's thread only):
 * a data set's examples ({@link #shuffled}) or a JSON-lines file ({@link JsonLinesEvents}).
 */
public interface LabeledEventSource {
    /** The next event, stamped {@code now} unless it carries its own time, or {@code null} when there is none. */
    LabeledEvent next(Instant now);

    /** The model's class count, for the poison records' out-of-range label; 0 when unknown (no poison records). */
    int classes();

    /** What the events are, for messages, e.g. {@code fashion-mnist-train (10,000 of 60,000, shuffled)}. */
    String describe();

    /**
     * The examples of {@code data} as events of {@code modelId}, drawn in seeded shuffled epochs
     * ({@link EpochSampler}), {@code total} of them, or with 0 cycling epochs without end.
     */
    static LabeledEventSource shuffled(LabeledDataset data, String modelId, long total, long seed) {
        if (total < 0) {
            throw new IllegalArgumentException("total events: expected >= 0 (0 = unbounded), got " + total);
        }
        if (data.count() == 0) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' is empty");
        }
        EpochSampler sampler = new EpochSampler(data.count(), seed);
        return new LabeledEventSource() {
            private long sent;

            @Override
            public LabeledEvent next(Instant now) {
                if (total != 0 && sent == total) {
                    return null;
                }
                sent++;
                EpochSampler.Draw draw = sampler.next(1);
                int index = draw.order()[draw.offset()];
                return LabeledExamples.event(data, index, modelId, draw.fromPosition() / data.count(), now);
            }

            @Override
            public int classes() {
                return data.classes();
            }

            @Override
            public String describe() {
                return String.format("%s (%s of %,d examples, shuffled)", data.name(),
                        total == 0 ? "unbounded" : String.format("%,d", total), data.count());
            }
        };
    }
}
