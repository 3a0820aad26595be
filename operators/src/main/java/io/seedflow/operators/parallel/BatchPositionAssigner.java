package io.seedflow.operators.parallel;

import io.seedflow.core.data.TrainingExample;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
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
 */
public final class BatchPositionAssigner extends ProcessFunction<TrainingExample, TrainingExample>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private transient ListState<Long> nextState;
    private transient long next;

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        nextState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("next-position", Types.LONG));
        next = 0;
        for (Long stored : nextState.get()) {
            next = Math.max(next, stored);
        }
    }

    @Override
    public void processElement(TrainingExample example, Context ctx, Collector<TrainingExample> out) {
        out.collect(example.withPosition(next++));
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        nextState.update(List.of(next));
    }
}
