package io.seedflow.operators.parallel;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.LogHistory;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.zo.StepLayout;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoVariant;
import io.seedflow.operators.TrainerConfig;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.UpdateRecordTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Adds one model's data-parallel trainer to a job graph (docs/scale-out.md): its training examples are numbered in one
 * order by a {@link BatchPositionAssigner} (one subtask), then spread over the trainer subtasks by that position
 * ({@link BatchPositionPartitioner}) or, with probe groups, broadcast (each subtask keeps its data group's); holdout
 * examples go to subtask 0. Every edge into the trainer is all-to-all, so the trainer subtasks and their inputs form
 * one failover region and fail over together. The trainer runs at the environment's parallelism; the records come out
 * of subtask 0, snapshot announcements on {@link io.seedflow.operators.ZoTrainerFunction#SNAPSHOTS}.
 */
public final class DataParallelTraining {
    private DataParallelTraining() {
    }

    /**
     * @param examples only {@code modelId}'s examples (the trainer fails on another model's)
     * @param config the trainer's settings, checked here, at job build time, against the environment's parallelism
     *        ({@link #checkTrainable})
     * @param uid the trainer's stable uid (the position assigner's is {@code uid + "-positions"}); never rename it
     * @return the trainer, to be named by the caller
     */
    public static SingleOutputStreamOperator<UpdateRecord> train(DataStream<TrainingExample> examples, String modelId,
            TrainerConfig config, String uid) {
        return train(examples, modelId, config, LogHistory.NONE, uid);
    }

    /**
     * Like {@link #train(DataStream, String, TrainerConfig, String)}; a fresh start (no state) of a model whose log
     * in {@code history} has steps is refused, without restarts: the data-parallel trainer does not continue a log
     * it holds no state for yet.
     */
    public static SingleOutputStreamOperator<UpdateRecord> train(DataStream<TrainingExample> examples, String modelId,
            TrainerConfig config, LogHistory history, String uid) {
        checkTrainable(config, examples.getExecutionEnvironment().getParallelism());
        String holdoutSource = config.holdoutSource();
        // the filters run at their input's parallelism, so they keep its order (forward, chained)
        DataStream<TrainingExample> training = holdoutSource == null ? examples
                : examples.filter(e -> !holdoutSource.equals(e.source)).name("training examples of " + modelId)
                        .setParallelism(examples.getParallelism());
        DataStream<TrainingExample> numbered = training.process(new BatchPositionAssigner(modelId, history))
                .setParallelism(1).setMaxParallelism(1).uid(uid + "-positions").name("batch positions: " + modelId);
        DataStream<TrainingExample> spread = config.probeGroups() > 1 ? numbered.broadcast()
                : numbered.partitionCustom(new BatchPositionPartitioner(config.batchSize(), config.batchPieces()),
                        e -> e.position);
        if (holdoutSource != null) {
            spread = spread.union(examples.filter(e -> holdoutSource.equals(e.source)).name("holdout of " + modelId)
                    .setParallelism(examples.getParallelism())
                    .partitionCustom((key, subtasks) -> 0, e -> 0)); // kept and evaluated by subtask 0
        }
        return spread
                .transform("ZO trainer, data-parallel: " + modelId, new UpdateRecordTypeInfo(),
                        new DataParallelTrainerOperatorFactory(config, modelId, history))
                .uid(uid);
    }

    /** {@link #train(DataStream, String, TrainerConfig, String)} with the settings of {@code conf}, resolved here. */
    public static SingleOutputStreamOperator<UpdateRecord> train(DataStream<TrainingExample> examples, String modelId,
            Configuration conf, String uid) {
        return train(examples, modelId, ZoTrainerOptions.resolve(conf), uid);
    }

    /**
     * Refuses, with the setting and its value, what the data-parallel trainer cannot train at {@code parallelism}
     * subtasks (0 or less: not known yet, the cluster decides): a layout that does not fit P ({@link StepLayout#of}:
     * probe groups, pieces, and CONSERVATIVE at P > 1, which evaluates candidate steps on the whole batch that no
     * subtask holds), and CONSERVATIVE when P is not known. Called when the job is built and again by each subtask (a
     * savepoint may be restored at another parallelism).
     */
    public static void checkTrainable(TrainerConfig config, int parallelism) {
        ZoOptions options = config.zo();
        if (parallelism > 0) {
            layout(config, parallelism);
        } else if (options.variant() == ZoVariant.CONSERVATIVE) {
            throw new InvalidConfigurationException(ZoTrainerOptions.VARIANT.key(), options.variant(),
                    "SGD, SIGN or MOMENTUM for a data-parallel model at a trainer parallelism chosen by the cluster "
                            + "(CONSERVATIVE evaluates its candidate steps on the whole batch, which no subtask "
                            + "holds), or parallelism 1");
        }
    }

    static StepLayout layout(TrainerConfig config, int parallelism) {
        return StepLayout.of(config.batchSize(), config.batchPieces(), parallelism, config.probeGroups(), config.zo());
    }
}
