package io.seedflow.operators;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.PrequentialScore;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.operators.internal.BatchAssembler;
import io.seedflow.operators.internal.TrainerMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The keyed trainer's scores of each model, in its keyed state (they survive restores): the holdout (the newest
 * {@code holdout-size} examples of the holdout source, never trained on, evaluated every
 * {@code holdout-eval-interval-steps} steps) and the prequential score (each batch scored by the weights before they
 * train on it). The data-parallel trainer's counterpart, in operator state, is {@code parallel.ModelScores}. Called
 * with the model's key set, from the task thread.
 */
final class KeyedModelScores {
    private final TrainerConfig config;
    private final TrainerMetrics metrics;
    /** The newest holdout examples, a ring of holdout-size slots, and how many were ever added. */
    private final MapState<Integer, TrainingExample> holdoutExamples;
    private final ValueState<Long> holdoutAdded;
    /** The model's {@link PrequentialScore}, as bytes. */
    private final ValueState<byte[]> prequential;
    /** Each loaded model's prequential score, mirrored in its keyed state (written after every step). */
    private final Map<String, PrequentialScore> prequentialScores = new HashMap<>();
    private volatile Evaluation lastPrequentialTotal;
    private volatile double lastHoldoutAccuracy = Double.NaN;

    KeyedModelScores(RuntimeContext context, TrainerConfig config, TrainerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        holdoutExamples = context.getMapState(new MapStateDescriptor<>("holdout-examples", Types.INT,
                TypeInformation.of(TrainingExample.class)));
        holdoutAdded = context.getState(new ValueStateDescriptor<>("holdout-added", Types.LONG));
        prequential = context.getState(new ValueStateDescriptor<>("prequential-score",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    /** Keeps {@code example} when it comes from the holdout source (it is then not to be trained on). */
    boolean keptAsHoldout(TrainingExample example) throws Exception {
        if (config.holdoutSource() == null || !config.holdoutSource().equals(example.source)) {
            return false;
        }
        Long added = holdoutAdded.value();
        long n = added == null ? 0 : added;
        holdoutExamples.put((int) (n % config.holdoutSize()), example);
        holdoutAdded.update(n + 1);
        metrics.holdoutEvent();
        return true;
    }

    /**
     * Test, then train: the batch scored by the weights before they train on it, kept in state. The step on
     * {@code batch} must follow at once (the model may hand what it computed over to it).
     */
    void scorePrequentially(TrainingSession trainer, Batch batch) throws Exception {
        if (config.prequentialWindow() <= 0) {
            return;
        }
        PrequentialScore score = prequentialScores.get(trainer.modelId());
        if (score == null) { // first use of the model in this instance: from state (after a restore) or new
            byte[] stored = prequential.value();
            score = stored == null ? new PrequentialScore(config.spec().classes(), config.prequentialWindow())
                    : PrequentialScore.fromBytes(stored, config.prequentialWindow());
            prequentialScores.put(trainer.modelId(), score);
        }
        int[] predicted = trainer.predictBeforeStep(batch); // the step on this batch follows at once
        for (int i = 0; i < predicted.length; i++) {
            score.add(predicted[i], batch.labels()[i]);
        }
        prequential.update(score.toBytes());
        lastPrequentialTotal = score.total();
        metrics.prequential(score.window(), lastPrequentialTotal);
    }

    /** After a step: the holdout's accuracy under the current weights, every holdout-eval-interval steps. */
    void stepped(TrainingSession trainer, long step) throws Exception {
        if (step % config.holdoutEvalInterval() != 0) {
            return;
        }
        List<TrainingExample> holdout = new ArrayList<>();
        for (TrainingExample e : holdoutExamples.values()) {
            holdout.add(e);
        }
        if (!holdout.isEmpty()) {
            lastHoldoutAccuracy = BatchAssembler.accuracy(trainer, holdout, config.spec());
            metrics.holdoutAccuracy(lastHoldoutAccuracy);
        }
    }

    /** The newest prequential score of the model last scored (total); null before the first. */
    Evaluation lastPrequentialTotal() {
        return lastPrequentialTotal;
    }

    /** The newest holdout accuracy (NaN before the first evaluation). */
    double lastHoldoutAccuracy() {
        return lastHoldoutAccuracy;
    }
}
