package io.seedflow.operators.parallel;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.PrequentialScore;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.operators.TrainerConfig;
import io.seedflow.operators.internal.BatchAssembler;
import io.seedflow.operators.internal.SnapshotPointer;
import io.seedflow.operators.internal.TrainerMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.MetricGroup;

/**
 * Subtask 0's view of how a data-parallel model is doing, as the keyed trainer reports it ({@link TrainerMetrics}):
 * the holdout (examples of {@code seedflow.trainer.holdout-source}, routed to subtask 0, the newest
 * {@code holdout-size} kept and evaluated every {@code holdout-eval-interval-steps} steps) and the prequential score of
 * every subtask's shares (their test-then-train predictions travel in the shares), both in union state written by
 * subtask 0 alone, so that they continue after a restore at any parallelism.
 */
final class ModelScores {
    private final ModelSpec spec;
    private final boolean owner;
    private final String holdoutSource;
    private final int holdoutSize;
    private final int holdoutEvalInterval;
    private final int prequentialWindow;
    private final ArrayDeque<TrainingExample> holdout = new ArrayDeque<>();
    private final ListState<TrainingExample> holdoutState;
    private final ListState<byte[]> prequentialState;
    private PrequentialScore prequential;
    private TrainerMetrics metrics;

    /** @param owner subtask 0: it keeps the scores; the others only clear their part of the union state */
    ModelScores(OperatorStateStore store, TrainerConfig config, boolean owner) throws Exception {
        this.spec = config.spec();
        this.owner = owner;
        holdoutSource = config.holdoutSource();
        holdoutSize = config.holdoutSize();
        holdoutEvalInterval = config.holdoutEvalInterval();
        prequentialWindow = config.prequentialWindow();
        holdoutState = store.getUnionListState(new ListStateDescriptor<>("holdout-examples",
                TypeInformation.of(TrainingExample.class)));
        prequentialState = store.getUnionListState(new ListStateDescriptor<>("prequential-score",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        if (owner) {
            holdoutState.get().forEach(this::keepHoldout); // only the old subtask 0 wrote any, oldest first
            if (prequentialWindow > 0) {
                prequential = new PrequentialScore(spec.classes(), prequentialWindow);
                for (byte[] stored : prequentialState.get()) {
                    prequential = PrequentialScore.fromBytes(stored, prequentialWindow); // old subtask 0's only
                }
            }
        }
    }

    /** Subtask 0: registers the trainer's metrics, at the restored (or base) version and snapshot. */
    void open(MetricGroup group, long version, SnapshotPointer pointer) {
        metrics = new TrainerMetrics(group, System::currentTimeMillis);
        metrics.restored(version, pointer);
    }

    boolean isHoldout(TrainingExample example) {
        return holdoutSource != null && holdoutSource.equals(example.source);
    }

    /** Whether the shares carry test-then-train predictions. */
    boolean scoresPrequentially() {
        return prequentialWindow > 0;
    }

    /**
     * Prequential (test, then train): the share's examples as predicted by the weights before the step, as
     * {@link PrequentialScore#cell}s; scored by the first subtask of each data group only (probe group 0), and only
     * when the prequential score is on. Subtask 0 counts every share's in subtask order, so the score is that of the
     * whole batch, as the keyed trainer's.
     */
    List<Integer> predictions(TrainingSession session, Batch share, int probeGroup) {
        if (!scoresPrequentially() || share == null || probeGroup != 0) {
            return List.of();
        }
        int[] predicted = session.predict(share);
        List<Integer> cells = new ArrayList<>(predicted.length);
        for (int i = 0; i < predicted.length; i++) {
            cells.add(PrequentialScore.cell(predicted[i], share.labels()[i], spec.classes()));
        }
        return cells;
    }

    void keepHoldout(TrainingExample example) {
        holdout.add(example);
        if (holdout.size() > holdoutSize) {
            holdout.poll();
        }
        if (metrics != null) {
            metrics.holdoutEvent();
        }
    }

    /** Subtask 0, after each step: its metrics, the shares' predictions ({@link PrequentialScore#cell}s). */
    void stepped(UpdateRecord record, List<Integer> scored, TrainingSession session) {
        metrics.stepped(record);
        if (prequential != null) {
            scored.forEach(prequential::addCell);
            metrics.prequential(prequential.window(), prequential.total());
        }
        if (!holdout.isEmpty() && record.step() % holdoutEvalInterval == 0) {
            metrics.holdoutAccuracy(BatchAssembler.accuracy(session, new ArrayList<>(holdout), spec));
        }
    }

    void snapshotStored(SnapshotPointer stored) {
        metrics.snapshotStored(stored, true);
    }

    /** Writes subtask 0's scores into the union state; the other subtasks write nothing. */
    void snapshotState() throws Exception {
        if (owner) {
            holdoutState.update(new ArrayList<>(holdout));
            prequentialState.update(prequential == null ? List.of() : List.of(prequential.toBytes()));
        } else {
            holdoutState.clear();
            prequentialState.clear();
        }
    }
}
