package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.UpdateRecordTypeInfo;
import io.seedflow.operators.parallel.DataParallelTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-parallel trainer (docs/scale-out.md §4) at P = 2 and 4 on a MiniCluster with checkpoints every 100 ms and a
 * failure injected in the last trainer subtask (an operator chained into its task throws) right after a checkpoint completed
 * whose model version is past a stored snapshot and not on a snapshot step, so its log tail is not empty. The job
 * restarts from that checkpoint: all subtasks restore the same version from subtask 0's snapshot pointer and tail,
 * re-send the step that was in flight from their restored buffers and go on. Records reach the test only through
 * {@link CommittedRecords}, which hands a checkpoint's records on when that checkpoint completes (as a transactional
 * sink commits them), so records of an attempt that failed after its last checkpoint are never seen. The committed log
 * must be steps 1..N exactly once, its lineage must cover every event once, all subtasks must end with the same
 * weights, and log and weights must equal those of the same job without the failure.
 */
class DataParallelRecoveryITCase {
    private static final String SPEC = "mlp:32x16x4:relu";
    private static final int BATCH = 16;
    private static final int SNAPSHOT_INTERVAL = 10;
    /** 120 full batches and a partial one of 7. */
    private static final int EVENTS = 120 * BATCH + 7;
    private static final int STEPS = 121;
    private static final List<TrainingExample> EXAMPLES = DataParallelRun.examples(EVENTS, 32, 4, 11);

    @TempDir
    Path snapshots;

    @ParameterizedTest(name = "P = {0}")
    @ValueSource(ints = {2, 4})
    void restoresEverySubtaskAtTheSameVersionAndTrainsEveryEventOnce(int parallelism) throws Exception {
        Run reference = run(false, parallelism);
        assertThat(reference.restoredSteps()).as("no failure, no restore").isEmpty();
        checkLog(reference, parallelism);

        Run failed = run(true, parallelism);
        System.out.println("DataParallelRecoveryITCase: injected failures " + failed.failures() + ", restored at "
                + "steps " + failed.restoredSteps());
        assertThat(failed.failures()).as("injected failures").isEqualTo(1);
        // exactly one restore: a second one would be a failover of its own, e.g. a checkpoint that timed out because a
        // draining subtask waited for a gather held back behind a barrier it cannot read (docs/scale-out.md §4)
        assertThat(failed.restoredSteps()).as("restored versions").hasSize(1);
        long restored = failed.restoredSteps().get(0);
        assertThat(restored).as("restored mid-stream, past a stored snapshot").isGreaterThan(SNAPSHOT_INTERVAL)
                .isLessThan(STEPS);
        assertThat(restored % SNAPSHOT_INTERVAL).as("restored off a snapshot step: a non-empty log tail").isNotZero();
        checkLog(failed, parallelism);

        assertThat(DataParallelRun.withoutTime(failed.records())).as("the log equals the log without the failure")
                .isEqualTo(DataParallelRun.withoutTime(reference.records()));
        assertThat(failed.finalWeights()).as("final weights equal those without the failure")
                .isEqualTo(reference.finalWeights());
        // the failed run retires old snapshots (keep the newest 2, no minimum age) after completed checkpoints, and its
        // restore still found the snapshot its checkpoint names; the reference run stored the same files before
        try (var files = Files.list(snapshots)) {
            assertThat(files.count()).as("snapshots left of base + every %d steps", SNAPSHOT_INTERVAL)
                    .isBetween(2L, (long) STEPS / SNAPSHOT_INTERVAL);
        }
    }

    private record Run(List<UpdateRecord> records, List<String> finalWeights, int failures, List<Long> restoredSteps) {
    }

    private Run run(boolean injectFailure, int parallelism) throws Exception {
        CommittedRecords.reset();
        FailAfterCheckpoint.enabled = injectFailure;
        FailAfterCheckpoint.FAILURES.set(0);
        Configuration trainer = DataParallelRun.trainerConf(SPEC, BATCH, 0, snapshots.toString());
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL);
        if (injectFailure) {
            trainer.set(ZoTrainerOptions.SNAPSHOT_RETAIN_NEWEST, 2);
            trainer.set(ZoTrainerOptions.SNAPSHOT_RETAIN_MIN_AGE, java.time.Duration.ZERO);
        }

        Configuration cluster = StreamingItSupport.restartingCluster(3);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        env.enableCheckpointing(100);
        env.getCheckpointConfig().setCheckpointTimeout(30_000);
        DataParallelTraining.train(env.fromData(EXAMPLES).setParallelism(1)
                        .map(new Throttle()).setParallelism(1),
                        DataParallelRun.MODEL, trainer, "dp-trainer")
                .setParallelism(parallelism)
                .map(new FailAfterCheckpoint()).returns(new UpdateRecordTypeInfo()).setParallelism(parallelism)
                .map(new CommittedRecords()).returns(new UpdateRecordTypeInfo()).setParallelism(1)
                .sinkTo(new DiscardingSink<>()).setParallelism(1);
        JobExecutionResult result = env.execute("data-parallel recovery, failure " + injectFailure);
        @SuppressWarnings("unchecked")
        List<String> weights = new ArrayList<>((List<String>) result.getAllAccumulatorResults()
                .get("seedflow-dp-final-weights"));
        weights.sort(null);
        List<UpdateRecord> records = new ArrayList<>(CommittedRecords.COMMITTED);
        return new Run(records, weights, FailAfterCheckpoint.FAILURES.get(),
                new ArrayList<>(CommittedRecords.RESTORED_STEPS));
    }

    /** Steps 1..N once, every event once, the same version and weights on every subtask. */
    private static void checkLog(Run run, int parallelism) {
        assertThat(run.records().stream().map(UpdateRecord::step).toList()).as("committed steps")
                .isEqualTo(LongStream.rangeClosed(1, STEPS).boxed().toList());
        Map<Long, Integer> trained = new TreeMap<>();
        for (UpdateRecord r : run.records()) {
            for (Lineage l : r.lineage()) {
                for (long o = l.fromOffset(); o < l.untilOffset(); o++) {
                    trained.merge(o, 1, Integer::sum);
                }
            }
        }
        assertThat(trained.keySet()).as("trained offsets")
                .isEqualTo(LongStream.range(0, EVENTS).boxed().collect(Collectors.toSet()));
        assertThat(trained.values()).as("times each event was trained").containsOnly(1);
        assertThat(run.finalWeights()).as("one entry per subtask").hasSize(parallelism);
        assertThat(run.finalWeights().stream().map(w -> w.substring(w.indexOf(':') + 1)).distinct().toList())
                .as("every subtask ends at the same version with the same weights: %s", run.finalWeights())
                .containsExactly(STEPS + ":" + run.finalWeights().get(0).split(":")[2]);
    }

    /** Slows the single ordered input (a few ms per batch), so that checkpoints fall mid-stream. */
    private static final class Throttle implements MapFunction<TrainingExample, TrainingExample> {
        private static final long serialVersionUID = 1L;

        @Override
        public TrainingExample map(TrainingExample e) throws InterruptedException {
            if (e.offset % BATCH == 0) {
                Thread.sleep(8);
            }
            return e;
        }
    }

    /**
     * Chained into each trainer subtask's task (forward, same parallelism); in the last subtask it throws once, when a
     * checkpoint completes whose model version (as {@link CommittedRecords} saw it at that barrier) is past the first
     * stored snapshot and off a snapshot step.
     */
    private static final class FailAfterCheckpoint extends RichMapFunction<UpdateRecord, UpdateRecord>
            implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        static volatile boolean enabled;
        static final AtomicInteger FAILURES = new AtomicInteger();

        @Override
        public UpdateRecord map(UpdateRecord r) {
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            Long version = CommittedRecords.VERSION_AT_CHECKPOINT.get(checkpointId);
            var task = getRuntimeContext().getTaskInfo();
            if (enabled && task.getIndexOfThisSubtask() == task.getNumberOfParallelSubtasks() - 1 && version != null
                    && version > SNAPSHOT_INTERVAL && version % SNAPSHOT_INTERVAL != 0 && version < STEPS - 20
                    && FAILURES.compareAndSet(0, 1)) {
                throw new IllegalStateException("injected failure in the last trainer subtask after checkpoint "
                        + checkpointId + " (model version " + version + ")");
            }
        }
    }

}
