package io.seedflow.core.model;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.Rejection;
import io.seedflow.core.data.TrainingExample;
import java.util.List;
import java.util.Optional;

/**
 * What a model family takes as one example, end to end: how an event's payload becomes a training example (validated,
 * tokenized once) or a rejection for the dead-letter topic, the trainer's constant-time shape check, and how buffered
 * examples become a {@link Batch} or a {@link LabeledDataset}. A family brings its codec through
 * {@link ModelSpec#inputCodec()}: dense features ({@link DenseInput}, the default) and the encoder's token ids
 * ({@code encoder.TokenInput}) serve the families here; a family with a new kind of input
 * brings its own, and the decode stage, the trainers and the commands take it unchanged.
 */
public interface InputCodec {
    /**
     * Checks, when the job is built, that decoders can be made (a text model needs its vocabulary's tokenizer).
     *
     * @throws io.seedflow.core.error.InvalidConfigurationException naming the spec otherwise
     */
    void requireDecodable();

    /** A decoder for one thread (a tokenizer may hold a native handle); texts of at most {@code maxTextChars} chars. */
    Decoder decoder(int maxTextChars);

    /** Constant time: why {@code example} cannot be trained by this model (empty when it fits its shape and labels). */
    Optional<String> misfit(TrainingExample example);

    /** The examples as one batch, in their order. */
    Batch batch(List<TrainingExample> examples);

    /** The examples as a labeled data set (evaluation), in their order. */
    LabeledDataset dataset(String name, List<TrainingExample> examples);

    /** Turns events' payloads into examples; not thread-safe. */
    interface Decoder extends AutoCloseable {
        /**
         * The example of one event's payload ({@code features} or {@code text}, either may be null) with its lineage,
         * or the first reason it cannot be trained on.
         */
        Decoded decode(String modelId, float[] features, String text, int label, String source, int partition,
                long offset);

        @Override
        void close();
    }

    /** An event decoded: the example, or (example null) the rejection. */
    record Decoded(TrainingExample example, Rejection rejection) {
        public static Decoded of(TrainingExample example) {
            return new Decoded(example, null);
        }

        public static Decoded refused(Rejection rejection) {
            return new Decoded(null, rejection);
        }
    }
}
