package io.seedflow.core.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One labeled training example as it flows into the trainer: a Flink POJO (public no-arg constructor, public
 * fields) so that Flink's {@code PojoSerializer} handles it and never falls back to Kryo. {@code source},
 * {@code partition} and {@code offset} name the event it came from (e.g. Kafka topic, partition, offset) and become
 * the lineage of the update record that trains on it.
 */
public class TrainingExample {
    /** Key of the trainer; one model per id. */
    public String modelId;
    /** Dense features, length = the model's input width; null for a text example. */
    public float[] features;
    /** Token ids of a text example ([CLS] … [SEP], at most the model's maxTokens); null for a dense example. */
    public int[] tokenIds;
    /** Class label in [0, classes). */
    public int label;
    /** Where the event came from, e.g. the Kafka topic. */
    public String source;
    /** Partition of {@link #source}. */
    public int partition;
    /** Offset within {@link #partition}. */
    public long offset;
    /**
     * The example's place in its model's stream of training examples, 0, 1, 2, … without gaps, as numbered for a
     * data-parallel trainer (which routes and cuts batches by it); -1 where nothing numbered it.
     */
    public long position = -1;

    public TrainingExample() {
    }

    public TrainingExample(String modelId, float[] features, int label, String source, int partition, long offset) {
        this.modelId = modelId;
        this.features = features;
        this.label = label;
        this.source = source;
        this.partition = partition;
        this.offset = offset;
    }

    /** A text example: its token ids instead of dense features. */
    public static TrainingExample ofTokens(String modelId, int[] tokenIds, int label, String source, int partition,
            long offset) {
        TrainingExample e = new TrainingExample(modelId, null, label, source, partition, offset);
        e.tokenIds = tokenIds;
        return e;
    }

    /** This example numbered {@code position} (a copy; the arrays are shared, never changed). */
    public TrainingExample withPosition(long position) {
        TrainingExample e = new TrainingExample(modelId, features, label, source, partition, offset);
        e.tokenIds = tokenIds;
        e.position = position;
        return e;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrainingExample e)) {
            return false;
        }
        return label == e.label && partition == e.partition && offset == e.offset && position == e.position
                && Objects.equals(modelId, e.modelId) && Arrays.equals(features, e.features)
                && Arrays.equals(tokenIds, e.tokenIds)
                && Objects.equals(source, e.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, label, source, partition, offset) * 31 + Arrays.hashCode(features) * 17
                + Arrays.hashCode(tokenIds);
    }

    @Override
    public String toString() {
        return "TrainingExample{modelId=" + modelId + ", label=" + label + ", " + source + "/" + partition + "@"
                + offset + (position >= 0 ? " #" + position : "") + (tokenIds != null ? ", tokens=" + tokenIds.length : ", features=" + (features == null ? "null"
                : features.length)) + "}";
    }
}
