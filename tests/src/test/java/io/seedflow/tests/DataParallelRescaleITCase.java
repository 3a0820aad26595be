package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.UpdateRecordTypeInfo;
import io.seedflow.operators.parallel.DataParallelTraining;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rescaling the data-parallel trainer 2 → 4 → 1 from savepoints (docs/scale-out.md §4, §5). With fixed pieces S = 4
 * (P = 1, 2, 4 all divide it), the job runs at P = 2 on a throttled ordered input, a savepoint is taken mid-stream
 * (with events buffered in the trainers: the input pauses mid-batch) by stopping the job with a savepoint; it is
 * restored at P = 4, savepointed (triggered, then the job cancelled), and restored at P = 1, which runs to the end. Records reach the test only through
 * {@link CommittedRecords} (a checkpoint's records are handed on when it completes or on a restore from it). The
 * committed log must be steps 1..N exactly once, its lineage must cover every event once, and log and final weights
 * must equal a run of the same events at P = 2 without rescaling: the re-routed untrained examples put every event into
 * the step and piece it has at any parallelism. (Identical weights on every subtask of the cancelled runs cannot be
 * read from accumulators; they show in the records, which every subtask's evaluation enters, being bit-equal.)
 */
class DataParallelRescaleITCase {
    private static final String SPEC = "mlp:32x16x4:relu";
    private static final int BATCH = 16;
    private static final int PIECES = 4;
    private static final int SNAPSHOT_INTERVAL = 10;
    /** 150 full batches and a partial one of 7. */
    private static final int EVENTS = 150 * BATCH + 7;
    private static final int STEPS = 151;
    private static final List<TrainingExample> EXAMPLES = DataParallelRun.examples(EVENTS, 32, 4, 13);

    @TempDir
    Path snapshots;
    @TempDir
    Path referenceSnapshots;
    @TempDir
    Path savepoints;

    @Test
    void rescalesTwoToFourToOneAndWritesTheLogOfTheUnrescaledRun() throws Exception {
        Configuration referenceConf = DataParallelRun.trainerConf(SPEC, BATCH, PIECES, referenceSnapshots.toString());
        referenceConf.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL);
        DataParallelRun.Result reference = DataParallelRun.run(EXAMPLES, referenceConf, 2, 120);
        List<String> referenceWeights = reference.finalWeights().stream()
                .map(w -> w.substring(w.indexOf(':') + 1)).distinct().toList();
        assertThat(referenceWeights).as("reference subtasks agree").hasSize(1);

        CommittedRecords.reset();
        UNTRAINED.clear();
        String first = run(2, null, 30);
        String second = run(4, first, 80);
        List<String> weights = new ArrayList<>();
        run(1, second, -1, weights);
        System.out.println("DataParallelRescaleITCase: restored at steps " + CommittedRecords.RESTORED_STEPS
                + ", untrained events in the savepoints " + UNTRAINED);

        assertThat(CommittedRecords.RESTORED_STEPS).as("two restores, mid-stream, in order").hasSize(2);
        assertThat(CommittedRecords.RESTORED_STEPS.get(0)).isGreaterThanOrEqualTo(30).isLessThan(80);
        assertThat(CommittedRecords.RESTORED_STEPS.get(1)).isGreaterThanOrEqualTo(80).isLessThan(STEPS);
        assertThat(UNTRAINED).as("each savepoint held untrained (re-routed) events").hasSize(2)
                .allSatisfy(n -> assertThat(n).isPositive());

        List<UpdateRecord> records = new ArrayList<>(CommittedRecords.COMMITTED);
        assertThat(records.stream().map(UpdateRecord::step).toList()).as("committed steps")
                .isEqualTo(LongStream.rangeClosed(1, STEPS).boxed().toList());
        Map<Long, Integer> trained = new TreeMap<>();
        for (UpdateRecord r : records) {
            for (Lineage l : r.lineage()) {
                for (long o = l.fromOffset(); o < l.untilOffset(); o++) {
                    trained.merge(o, 1, Integer::sum);
                }
            }
        }
        assertThat(trained.keySet()).as("trained offsets")
                .isEqualTo(LongStream.range(0, EVENTS).boxed().collect(Collectors.toSet()));
        assertThat(trained.values()).as("times each event was trained").containsOnly(1);
        assertThat(DataParallelRun.withoutTime(records)).as("the log equals the log without rescaling")
                .isEqualTo(DataParallelRun.withoutTime(reference.records()));
        assertThat(weights).as("final weights (P = 1) equal those without rescaling")
                .containsExactly(STEPS + ":" + referenceWeights.get(0).split(":")[1]);
    }

    /** Events the trainers held untrained at each savepoint: the input position minus the version's batches. */
    private static final List<Long> UNTRAINED = new CopyOnWriteArrayList<>();

    private String run(int parallelism, String restoreFrom, long savepointAtStep) throws Exception {
        return run(parallelism, restoreFrom, savepointAtStep, null);
    }

    /**
     * Runs at {@code parallelism}, restored from {@code restoreFrom} if not null; with {@code savepointAtStep} > 0,
     * takes a savepoint once that step was written (at P = 2 by stop-with-savepoint, else triggered, then the job
     * cancelled) and returns the savepoint's path; else runs to the end
     * and puts the final weights ("version:sha256" per subtask) into {@code weights}.
     */
    private String run(int parallelism, String restoreFrom, long savepointAtStep, List<String> weights)
            throws Exception {
        CommittedRecords.SEEN.set(0);
        Throttle.POSITION_AT_CHECKPOINT.clear();
        Configuration trainer = DataParallelRun.trainerConf(SPEC, BATCH, PIECES, snapshots.toString());
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL);
        Configuration cluster = new Configuration();
        cluster.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, MemorySize.parse("4kb"));
        if (restoreFrom != null) {
            cluster.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        if (savepointAtStep <= 0) {
            env.enableCheckpointing(100); // the last run commits through its checkpoints, the final one included
        }
        DataParallelTraining.train(env.fromData(EXAMPLES).uid("source").setParallelism(1)
                        .map(new Throttle()).uid("throttle").setParallelism(1),
                        DataParallelRun.MODEL, trainer, "dp-trainer")
                .setParallelism(parallelism)
                .map(new CommittedRecords()).uid("committed").returns(new UpdateRecordTypeInfo()).setParallelism(1)
                .sinkTo(new DiscardingSink<>()).uid("discard").setParallelism(1);
        JobClient job = env.executeAsync("data-parallel rescale, P = " + parallelism);
        if (savepointAtStep <= 0) {
            JobExecutionResult result = job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
            @SuppressWarnings("unchecked")
            List<String> w = (List<String>) result.getAllAccumulatorResults().get("seedflow-dp-final-weights");
            w.forEach(s -> weights.add(s.substring(s.indexOf(':') + 1)));
            return null;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (CommittedRecords.SEEN.get() < savepointAtStep) {
            assertThat(System.nanoTime()).as("step %d reached in time", savepointAtStep).isLessThan(deadline);
            Thread.sleep(5);
        }
        String path;
        if (parallelism == 2) {
            // stop-with-savepoint: a synchronous savepoint, after which the tasks end without draining the input
            path = job.stopWithSavepoint(false, savepoints.toString(), SavepointFormatType.CANONICAL)
                    .get(60, TimeUnit.SECONDS);
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        } else {
            path = job.triggerSavepoint(savepoints.toString(), SavepointFormatType.CANONICAL)
                    .get(60, TimeUnit.SECONDS);
            job.cancel().get(60, TimeUnit.SECONDS);
            try {
                job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            } catch (Exception cancelled) {
                // expected: the job was cancelled after its savepoint
            }
        }
        long savepointId = Throttle.POSITION_AT_CHECKPOINT.keySet().stream().mapToLong(Long::longValue).max()
                .orElseThrow();
        long version = CommittedRecords.VERSION_AT_CHECKPOINT.get(savepointId);
        UNTRAINED.add(Throttle.POSITION_AT_CHECKPOINT.get(savepointId) - version * BATCH);
        return path;
    }

    /**
     * Slows the single ordered input, pausing mid-batch (before position 10 of each batch), so that a savepoint finds
     * events buffered in the trainers on several subtasks' shares. Notes the input position at each barrier.
     */
    private static final class Throttle extends RichMapFunction<TrainingExample, TrainingExample>
            implements CheckpointedFunction {
        private static final long serialVersionUID = 1L;
        static final Map<Long, Long> POSITION_AT_CHECKPOINT = new ConcurrentHashMap<>();
        private transient long next;

        @Override
        public TrainingExample map(TrainingExample e) throws InterruptedException {
            if (e.offset % BATCH == 10) {
                Thread.sleep(10);
            }
            next = e.offset + 1;
            return e;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            POSITION_AT_CHECKPOINT.put(context.getCheckpointId(), next);
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
        }
    }

}
