package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.BatchPieces;
import io.seedflow.operators.ZoTrainerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-parallel trainer (docs/scale-out.md) on a MiniCluster at P = 1, 2 and 4 over the same ordered events,
 * against a single {@link TrainingSession} stepping the same batches: every subtask ends with the same weights, the
 * log is contiguous, its lineage covers every event once, a replica replays it bit for bit, and the records are
 * exactly those of one session cutting each batch into the same pieces (§3, "when records equal a P = 1 run").
 */
class DataParallelTrainerITCase {
    private static final String SPEC = "mlp:32x16x4:relu";
    private static final int BATCH = 32;
    /** 11 full batches and a partial one of 13, so the end of the input cuts a share short. */
    private static final int EVENTS = 11 * BATCH + 13;
    private static final List<TrainingExample> EXAMPLES = DataParallelRun.examples(EVENTS, 32, 4, 7);

    @TempDir
    Path snapshots;

    @Test
    void oneSubtaskWritesTheRecordsOfTheSingleSubtaskTrainer() throws Exception {
        Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 0, snapshots.toString());
        DataParallelRun.Result run = DataParallelRun.run(EXAMPLES, conf, 1, 120);

        checkLog(run, 1);
        assertThat(DataParallelRun.withoutTime(run.records())).isEqualTo(DataParallelRun.withoutTime(reference(conf, 1, false)));
    }

    @Test
    void twoSubtasksWriteTheRecordsOfOneSessionCuttingEachBatchInTwo() throws Exception {
        Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 0, snapshots.toString());
        DataParallelRun.Result run = DataParallelRun.run(EXAMPLES, conf, 2, 120);

        checkLog(run, 2);
        assertThat(DataParallelRun.withoutTime(run.records())).isEqualTo(DataParallelRun.withoutTime(reference(conf, 2, true)));
        // against the whole-batch trainer (one piece): the same steps, seeds, lineage, batch sizes and statuses are
        // guaranteed; the sums, hence the coefficients, are not (double addition is not associative)
        List<UpdateRecord> whole = reference(conf, 1, true);
        assertThat(run.records()).extracting(UpdateRecord::step, UpdateRecord::status, UpdateRecord::batchSize,
                        UpdateRecord::lineage, r -> seeds(r))
                .containsExactlyElementsOf(whole.stream().map(r -> org.assertj.core.groups.Tuple.tuple(r.step(),
                        r.status(), r.batchSize(), r.lineage(), seeds(r))).toList());
    }

    @Test
    void withFixedPiecesTheRecordsDoNotDependOnTheParallelism() throws Exception {
        Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 4, snapshots.toString());
        List<UpdateRecord> expected = DataParallelRun.withoutTime(reference(conf, 4, true));
        assertRecordsAt(conf, new int[] {1, 2, 4}, expected, "4 pieces");
    }

    /**
     * Perturbation parallelism (docs/scale-out.md §5): with q = 4 and the batch cut into 2 pieces, the subtasks as
     * 1 data group × 2 probe groups (P = 2) and as 2 × 2 (P = 4) write the records of one subtask evaluating all
     * probes on the same pieces, bit for bit (the input is broadcast; each subtask keeps its data group's events).
     */
    @Test
    void withProbeGroupsTheRecordsEqualThoseOfOneSubtask() throws Exception {
        Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 2, snapshots.toString());
        conf.set(ZoTrainerOptions.PERTURBATIONS, 4);
        List<UpdateRecord> expected = DataParallelRun.withoutTime(DataParallelRun.run(EXAMPLES, conf, 1, 120).records());
        assertThat(expected).hasSize(12);
        conf.set(ZoTrainerOptions.PROBE_GROUPS, 2);
        assertRecordsAt(conf, new int[] {2, 4}, expected, "2 probe groups");
    }

    /**
     * Holdout and metrics at P = 2: 40 holdout examples (source {@code holdout}) among the events go to subtask 0 only,
     * are never trained on (the records and weights equal those of the same events without them) and are evaluated
     * every 2 steps; subtask 0 reports the trainer's metrics as the keyed trainer does, the prequential score of every
     * subtask's shares included.
     */
    @Test
    void subtaskZeroKeepsTheHoldoutAndTheTrainerMetrics() throws Exception {
        Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 0, snapshots.toString());
        List<UpdateRecord> without = DataParallelRun.withoutTime(DataParallelRun.run(EXAMPLES, conf, 2, 120).records());
        conf.set(ZoTrainerOptions.HOLDOUT_SOURCE, "holdout");
        conf.set(ZoTrainerOptions.HOLDOUT_EVAL_INTERVAL, 2);
        List<TrainingExample> holdout = DataParallelRun.examples(40, 32, 4, 99);
        List<TrainingExample> mixed = new ArrayList<>();
        for (int i = 0; i < EXAMPLES.size(); i++) {
            mixed.add(EXAMPLES.get(i));
            if (i % 9 == 0 && i / 9 < holdout.size()) {
                TrainingExample h = holdout.get(i / 9);
                mixed.add(new TrainingExample(DataParallelRun.MODEL, h.features, h.label, "holdout", 0, i / 9));
            }
        }
        org.apache.flink.runtime.testutils.InMemoryReporter reporter =
                org.apache.flink.runtime.testutils.InMemoryReporter.createWithRetainedMetrics();
        org.apache.flink.runtime.minicluster.MiniCluster cluster = new org.apache.flink.runtime.minicluster.MiniCluster(
                new org.apache.flink.runtime.minicluster.MiniClusterConfiguration.Builder()
                        .setConfiguration(reporter.addToConfiguration(new Configuration()
                                .set(org.apache.flink.configuration.RestOptions.BIND_PORT, "0")))
                        .setNumTaskManagers(1).setNumSlotsPerTaskManager(4).build());
        cluster.start();
        try {
            org.apache.flink.streaming.util.TestStreamEnvironment.setAsContext(cluster, 2);
            DataParallelRun.Result run = DataParallelRun.run(mixed, conf, 2, 120);
            checkLog(run, 2);
            assertThat(DataParallelRun.withoutTime(run.records())).as("the holdout is never trained on").isEqualTo(without);
            assertTrainerMetricsOnSubtaskZero(reporter); // before the cluster closes its reporter
        } finally {
            org.apache.flink.streaming.util.TestStreamEnvironment.unsetAsContext();
            cluster.close();
        }
    }

    private static void assertTrainerMetricsOnSubtaskZero(org.apache.flink.runtime.testutils.InMemoryReporter reporter) {
        java.util.Map<String, org.apache.flink.metrics.Metric> trainer = reporter.getMetricsByGroup().values().stream()
                .filter(m -> m.containsKey("seedflowHoldoutAccuracy")).findFirst().orElseThrow();
        assertThat(((org.apache.flink.metrics.Counter) trainer.get("seedflowHoldoutEvents")).getCount()).isEqualTo(40);
        assertThat((Double) ((org.apache.flink.metrics.Gauge<?>) trainer.get("seedflowHoldoutAccuracy")).getValue())
                .isBetween(0.0, 1.0);
        assertThat(((org.apache.flink.metrics.Gauge<?>) trainer.get("seedflowModelVersion")).getValue())
                .isEqualTo(12L);
        // every trained event was scored once before training, on the subtask that held it
        assertThat(((org.apache.flink.metrics.Gauge<?>) trainer.get("seedflowPrequentialExamples")).getValue())
                .isEqualTo((long) EVENTS);
        assertThat((Double) ((org.apache.flink.metrics.Gauge<?>) trainer.get("seedflowPrequentialAccuracyTotal"))
                .getValue()).isBetween(0.0, 1.0);
        assertThat(reporter.getMetricsByGroup().values().stream().filter(m -> m.containsKey("seedflowModelVersion")))
                .as("trainer metrics on subtask 0 only").hasSize(1);
    }

    /**
     * The hybrid (docs/scale-out.md §3): the head trained by its exact gradient, the body by ZO. Its gradient sums
     * travel with each piece's loss sums, so with 4 fixed pieces P = 1, 2 and 4 write the records of one session
     * cutting each batch into the same pieces, head deltas included, bit for bit; so do probe groups (q = 2, 2
     * pieces: 1 x 2 at P = 2 and 2 x 2 at P = 4), where only the subtask holding probe 0 of a data group sums the head.
     */
    @Test
    void anExactHeadTravelsWithTheSumsAndGivesTheRecordsOfOneSession() throws Exception {
        Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 4, snapshots.toString());
        conf.set(ZoTrainerOptions.HEAD_LEARNING_RATE, 0.1);
        List<UpdateRecord> expected = DataParallelRun.withoutTime(reference(conf, 4, true));
        assertThat(expected).allSatisfy(r -> {
            assertThat(r.formatVersion()).isEqualTo(3);
            assertThat(r.headDelta().tensors()).containsExactly(2, 3);
        });
        assertRecordsAt(conf, new int[] {1, 2, 4}, expected, "an exact head, 4 pieces");

        conf.set(ZoTrainerOptions.BATCH_PIECES, 2);
        conf.set(ZoTrainerOptions.PERTURBATIONS, 2);
        List<UpdateRecord> expectedWithTwoProbes = DataParallelRun.withoutTime(reference(conf, 2, true));
        assertThat(expectedWithTwoProbes).allSatisfy(r -> assertThat(r.headDelta()).isNotNull());
        conf.set(ZoTrainerOptions.PROBE_GROUPS, 2);
        assertRecordsAt(conf, new int[] {2, 4}, expectedWithTwoProbes, "an exact head, 2 probe groups");
    }

    /**
     * Max-wait on an input that stays open: 36 events, then the source holds (neither ends nor sends). At P = 2 the
     * last 4 events (offsets 32..35, batch positions 0..3) all go to subtask 0, which waits max-wait for a full share
     * of 16, sends a short one and reports it; the coordinator asks subtask 1, which has nothing, for its share; step
     * 2 then trains those 4 events while the input is still open. (Without max-wait the test times out.) With 2 probe
     * groups (q = 2) both subtasks hold all 36 events; subtask 0 leads, cuts step 2 short after max-wait, and subtask
     * 1 takes the count of its leader's share (ShareCountRequest), so both evaluate the same 4 events. Then the input
     * stays idle for longer than Flink's RPC timeout; the job must keep running.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "probe groups {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    @org.junit.jupiter.api.Timeout(120)
    void maxWaitTrainsAShortStepWhileTheInputStaysOpen(int probeGroups) throws Exception {
        Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 0, snapshots.toString());
        conf.set(ZoTrainerOptions.MAX_WAIT, java.time.Duration.ofMillis(300));
        conf.set(ZoTrainerOptions.PERTURBATIONS, 2);
        conf.set(ZoTrainerOptions.PROBE_GROUPS, probeGroups);
        // Flink's RPC timeout at 2 s (10 s by default), so that the idle wait below outlasts it
        org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env =
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment(
                        new Configuration().set(org.apache.flink.configuration.RpcOptions.ASK_TIMEOUT_DURATION,
                                java.time.Duration.ofSeconds(2)));
        env.setParallelism(2);
        List<TrainingExample> first = EXAMPLES.subList(0, 36);
        org.apache.flink.util.CloseableIterator<UpdateRecord> out = io.seedflow.operators.parallel.DataParallelTraining
                .train(env.fromData(new ArrayList<>(first)).setParallelism(1)
                        .flatMap(new HoldAfter(first.size())).setParallelism(1), DataParallelRun.MODEL, conf,
                        "dp-trainer")
                .collectAsync();
        org.apache.flink.core.execution.JobClient job = env.executeAsync("data-parallel max-wait");
        List<UpdateRecord> records = new ArrayList<>();
        try (out) {
            while (records.size() < 2 && out.hasNext()) {
                records.add(out.next());
            }
            // then idle for 5 s: with probe groups the follower's ShareCountRequest for step 3 stays unanswered past
            // the RPC timeout and is asked again, instead of failing the job
            Thread.sleep(5_000);
            assertThat(job.getJobStatus().get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the job survives an idle input").isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);
        } finally {
            job.cancel().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(records).extracting(UpdateRecord::step, UpdateRecord::batchSize)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, BATCH),
                        org.assertj.core.groups.Tuple.tuple(2L, 4));
        assertThat(records.get(1).lineage()).extracting(Lineage::fromOffset, Lineage::untilOffset)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(32L, 36L));
    }

    /** Passes examples on; after the {@code n}-th it holds the task (as an idle input would) until cancelled. */
    private static final class HoldAfter implements org.apache.flink.api.common.functions.FlatMapFunction<
            TrainingExample, TrainingExample> {
        private static final long serialVersionUID = 1L;
        private final int n;
        private int seen;

        HoldAfter(int n) {
            this.n = n;
        }

        @Override
        public void flatMap(TrainingExample e, org.apache.flink.util.Collector<TrainingExample> out)
                throws InterruptedException {
            out.collect(e);
            if (++seen == n) {
                Thread.sleep(Long.MAX_VALUE); // the network buffers are still flushed on their timeout
            }
        }
    }

    /** Runs the events at each parallelism: a good log (checkLog) whose records equal {@code expected}. */
    private void assertRecordsAt(Configuration conf, int[] parallelisms, List<UpdateRecord> expected, String what)
            throws Exception {
        for (int parallelism : parallelisms) {
            DataParallelRun.Result run = DataParallelRun.run(EXAMPLES, conf, parallelism, 120);
            checkLog(run, parallelism);
            assertThat(DataParallelRun.withoutTime(run.records())).as("records at P = %d, %s", parallelism, what).isEqualTo(expected);
        }
    }

    /** Identical weights on every subtask, a contiguous log, every event trained once, a bit-exact replica. */
    private static void checkLog(DataParallelRun.Result run, int parallelism) {
        List<UpdateRecord> records = run.records();
        assertThat(records).hasSize(12);
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).step()).as("contiguous log").isEqualTo(i + 1);
        }
        long[] trained = new long[EVENTS];
        for (UpdateRecord r : records) {
            for (Lineage l : r.lineage()) {
                for (long o = l.fromOffset(); o < l.untilOffset(); o++) {
                    trained[(int) o]++;
                }
            }
        }
        assertThat(trained).as("every event trained exactly once").containsOnly(1L);

        List<String> weights = run.finalWeights();
        assertThat(weights).hasSize(parallelism);
        assertThat(weights.stream().map(w -> w.substring(w.indexOf(':') + 1)).collect(Collectors.toSet()))
                .as("every subtask holds the same version and weights: %s", weights).hasSize(1);

        ModelSpec spec = ModelSpecs.parse(SPEC);
        ParameterSet params = spec.newModel().initialize(ZoTrainerOptions.MODEL_INIT_SEED.defaultValue());
        Replica replica = new Replica(DataParallelRun.MODEL, params, 0);
        records.forEach(replica::apply);
        assertThat(weights.get(0)).as("a replica replays the log bit for bit")
                .endsWith(":" + records.size() + ":" + params.weightsSha256());
    }

    /** One session stepping the same batches of B consecutive events, each cut into {@code pieces} pieces. */
    private static List<UpdateRecord> reference(Configuration conf, int pieces, boolean cut) {
        ModelSpec spec = ModelSpecs.parse(conf.get(ZoTrainerOptions.MODEL_SPEC));
        List<UpdateRecord> out = new ArrayList<>();
        try (TrainingSession session = TrainingSession.fresh(DataParallelRun.MODEL, spec,
                ZoTrainerOptions.zoOptions(conf), conf.get(ZoTrainerOptions.MODEL_INIT_SEED),
                BackendFactory.of(conf.get(ZoTrainerOptions.COMPUTE_BACKEND), 0)).session()) {
            BatchPieces batchPieces = new BatchPieces(BATCH, pieces, 1);
            for (int from = 0; from < EVENTS; from += BATCH) {
                List<TrainingExample> examples = EXAMPLES.subList(from, Math.min(EVENTS, from + BATCH));
                Batch batch = batch(examples);
                List<Lineage> lineage = List.of(new Lineage("events", 0, from, from + examples.size()));
                out.add(cut ? session.step(batch, lineage, batchPieces) : session.step(batch, lineage));
            }
        }
        return out;
    }

    private static Batch batch(List<TrainingExample> examples) {
        int f = examples.get(0).features.length;
        float[] x = new float[examples.size() * f];
        int[] labels = new int[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            System.arraycopy(examples.get(i).features, 0, x, i * f, f);
            labels[i] = examples.get(i).label;
        }
        return new Batch(x, labels, examples.size(), f);
    }

    private static List<Long> seeds(UpdateRecord r) {
        return r.perturbations().stream().map(PerturbationTerm::seed).toList();
    }
}
