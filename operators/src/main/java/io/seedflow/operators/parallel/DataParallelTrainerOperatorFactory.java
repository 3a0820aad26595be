package io.seedflow.operators.parallel;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.LogHistory;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.operators.TrainerConfig;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEventDispatcher;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;

/**
 * Builds the {@link DataParallelTrainerOperator} on each subtask and its {@link StepExchangeCoordinator} on the
 * JobManager; add it with {@code DataStream.transform(name, new UpdateRecordTypeInfo(), factory)} after an input that
 * spreads one model's events over the trainer subtasks (e.g. {@link BatchPositionPartitioner}).
 */
public final class DataParallelTrainerOperatorFactory extends AbstractStreamOperatorFactory<UpdateRecord>
        implements CoordinatedOperatorFactory<UpdateRecord>,
        OneInputStreamOperatorFactory<TrainingExample, UpdateRecord> {
    private static final long serialVersionUID = 1L;
    private final TrainerConfig config;
    private final String modelId;
    private final LogHistory history;

    /**
     * @param config the trainer's settings, validated when the job was built
     * @param history the model's log, which a fresh start refuses to fork
     */
    public DataParallelTrainerOperatorFactory(TrainerConfig config, String modelId, LogHistory history) {
        this.config = config;
        this.modelId = modelId;
        this.history = history;
        // never chained behind its input: while it waits for a gather it runs mails of any priority, and a chained
        // source's checkpoint mail must not run in the middle of an element (docs/scale-out.md §7)
        setChainingStrategy(ChainingStrategy.HEAD);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<UpdateRecord>> T createStreamOperator(
            StreamOperatorParameters<UpdateRecord> parameters) {
        OperatorID id = parameters.getStreamConfig().getOperatorID();
        OperatorEventDispatcher events = parameters.getOperatorEventDispatcher();
        DataParallelTrainerOperator operator = new DataParallelTrainerOperator(parameters, config, modelId, history,
                events.getOperatorEventGateway(id),
                parameters.getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY));
        events.registerEventHandler(id, operator);
        return (T) operator;
    }

    @Override
    public OperatorCoordinator.Provider getCoordinatorProvider(String operatorName, OperatorID operatorId) {
        return new StepExchangeCoordinator.Provider(operatorId, config.probeGroups());
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return DataParallelTrainerOperator.class;
    }
}
