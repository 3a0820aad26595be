package io.seedflow.jobs.study.text;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.Batch;
import io.seedflow.core.session.TrainingSession;
import java.util.List;

/** A model that scores a stretch of the time-ordered corpus, then learns from it (test-then-train). */
interface StreamLearner extends AutoCloseable {
    /** The predicted class of each text at positions [from, from + size). */
    int[] predict(int from, int size);

    /** Learns from the texts at positions [from, from + size). */
    void learn(int from, int size);

    @Override
    default void close() {
    }

    /** The positions [from, from + size) of {@code data} in order. */
    static Batch batch(LabeledDataset data, int from, int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = from + i;
        }
        return data.batch(order, 0, size);
    }

    /** The head alone on frozen embeddings, trained by its exact gradient. */
    static StreamLearner head(LinearHead head, LabeledDataset embeddings, float learningRate) {
        return new StreamLearner() {
            @Override
            public int[] predict(int from, int size) {
                return head.predict(batch(embeddings, from, size));
            }

            @Override
            public void learn(int from, int size) {
                head.learn(batch(embeddings, from, size), learningRate);
            }
        };
    }

    /** The encoder trained by a ZO session (its record per step is made and dropped). */
    static StreamLearner session(TrainingSession session, LabeledDataset tokens) {
        return new StreamLearner() {
            private Batch predicted; // the batch just predicted, which learn() trains next (test-then-train)
            private int predictedFrom = -1;

            @Override
            public int[] predict(int from, int size) {
                predicted = batch(tokens, from, size);
                predictedFrom = from;
                return session.predictBeforeStep(predicted);
            }

            @Override
            public void learn(int from, int size) {
                Batch b = from == predictedFrom && predicted.size() == size ? predicted : batch(tokens, from, size);
                predicted = null;
                predictedFrom = -1;
                session.step(b, List.of(new Lineage("study:" + tokens.name(), 0, from, from + size)));
            }

            @Override
            public void close() {
                session.close();
            }
        };
    }
}
