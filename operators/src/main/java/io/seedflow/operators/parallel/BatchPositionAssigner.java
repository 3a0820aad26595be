package io.seedflow.operators.parallel;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.LogHistory;
import io.seedflow.core.log.ModelHistory;
import io.seedflow.operators.internal.TrainedEvents;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Numbers one model's training examples 0, 1, 2, … in the order it receives them ({@link TrainingExample#position}),
 * so that {@link BatchPositionPartitioner} spreads them over the trainer subtasks by a position without gaps, whatever
 * the Kafka offsets (dead-lettered events, other models' events and several partitions leave gaps and collisions
 * there). Runs as one subtask (parallelism and max parallelism 1, added by {@link DataParallelTraining}), so every
 * trainer subtask receives its share in that one order; the next number is checkpointed, so after a restore the
 * events read again from the checkpointed offsets get the numbers they had. With one ordered input (a one-partition
 * topic) the numbering is a function of the model's events, so the records do not depend on the trainer parallelism
 * where docs/scale-out.md §3 says they do not; with several partitions the order depends on timing, as at P = 1.
 *
 * <p>When the job starts without state and the model's log has steps (docs/update-log-spec.md §7.3), the events read
 * again that the log had trained are dropped here, before they are numbered, so that every trainer subtask sees the
 * same numbering; the ranges are checkpointed, since a restore reads some of them again.
 */
public final class BatchPositionAssigner extends ProcessFunction<TrainingExample, TrainingExample>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private final String modelId;
    private final LogHistory history;
    private transient ListState<Long> nextState;
    private transient ListState<byte[]> trainedState;
    private transient long next;
    /** Events the model's log had trained before this job continued it; empty when it did not. */
    private transient List<Lineage> trainedBefore;

    public BatchPositionAssigner(String modelId, LogHistory history) {
        this.modelId = modelId;
        this.history = history;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        nextState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("next-position", Types.LONG));
        trainedState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("trained-before-resume",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        next = 0;
        for (Long stored : nextState.get()) {
            next = Math.max(next, stored);
        }
        trainedBefore = List.of();
        if (context.isRestored()) {
            for (byte[] stored : trainedState.get()) {
                trainedBefore = TrainedEvents.decode(stored);
            }
        } else {
            trainedBefore = history.of(modelId, 1).map(ModelHistory::trainedAfterResume).orElse(List.of());
        }
    }

    @Override
    public void processElement(TrainingExample example, Context ctx, Collector<TrainingExample> out) {
        if (!trainedBefore.isEmpty() && TrainedEvents.contains(trainedBefore, example)) {
            return; // the log this job continues had trained it
        }
        out.collect(example.withPosition(next++));
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        nextState.update(List.of(next));
        trainedState.update(trainedBefore.isEmpty() ? List.of() : List.of(TrainedEvents.encode(trainedBefore)));
    }
}
