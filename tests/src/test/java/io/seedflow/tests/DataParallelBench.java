package io.seedflow.tests;

import io.seedflow.core.data.LabeledEmail;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.error.InvalidTextException;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.BatchAssembler;
import io.seedflow.operators.parallel.StepGatheredEvent;
import io.seedflow.operators.parallel.StepShareEvent;
import io.seedflow.text.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures the data-parallel trainer's exchange on a local MiniCluster (docs/benchmarks.md §8): per-step exchange
 * latency, events/s at P = 1 and 2, bytes per operator event, for the Fashion-MNIST-sized MLP and for MiniLM on
 * real SpamAssassin mails; and, for both models, what one {@code TrainingSession.takeSnapshot()} (encode + SHA-256 of
 * every weight, which every subtask does at each snapshot step) costs next to one step. A bench, not a test: it
 * reports numbers and asserts nothing; runs only with {@code -Dseedflow.bench.dp=true}.
 *
 * <p>Properties: {@code seedflow.bench.dp.model} = {@code mlp}, {@code encoder} or {@code both} (default);
 * {@code seedflow.bench.dp.small-steps} / {@code large-steps} (MLP, default 50 / 400) and
 * {@code seedflow.bench.dp.encoder.small-steps} / {@code encoder.large-steps} (default 5 / 100, about 2 minutes per P
 * on 2 idle cores): events/s is the difference of the two runs, which removes job start-up.
 */
@EnabledIfSystemProperty(named = "seedflow.bench.dp", matches = "true")
class DataParallelBench {
    private static final String MLP_SPEC = "mlp:784x64x10:relu";
    private static final int MLP_BATCH = 128;
    /** The text study's encoder recipe on the stream (docs/benchmarks.md §7) without the exact head. */
    private static final String ENCODER_SPEC = "encoder:all-minilm-l6-v2:2:128";
    private static final int ENCODER_BATCH = 16;
    private static final double ENCODER_LR = 1e-5;
    private static final int ENCODER_TOKENS = 128;
    private static final int SNAPSHOT_REPEATS = 5;

    @Test
    void exchangeLatencyAndThroughput() throws Exception {
        String model = System.getProperty("seedflow.bench.dp.model", "both");
        if (!Set.of("mlp", "encoder", "both", "variants").contains(model)) {
            throw new IllegalArgumentException("seedflow.bench.dp.model must be mlp, encoder, both or variants, got "
                    + model);
        }
        Path dir = Files.createTempDirectory("dp-bench");
        try {
            System.out.printf("BENCH load average before: %s (%d processors)%n", loadAverage(),
                    Runtime.getRuntime().availableProcessors());
            if (model.equals("variants")) {
                mlpVariants(dir);
                return;
            }
            if (!model.equals("encoder")) {
                mlp(dir);
            }
            if (!model.equals("mlp")) {
                encoder(dir);
            }
            // what Flink's RPC carries: the event Java-serialized around our payload (70 bytes: q = 1, one lineage
            // range, as measured above), up and, for P = 1, 2 and 64 subtasks, down
            byte[] share = new byte[70];
            System.out.printf("BENCH serialized StepShareEvent with a 70-byte payload: %d bytes; StepGatheredEvent of "
                    + "1 / 2 / 64 such payloads: %d / %d / %d bytes%n",
                    InstantiationUtil.serializeObject(new StepShareEvent(1, share, false, 16)).length,
                    gatheredSize(share, 1), gatheredSize(share, 2), gatheredSize(share, 64));
            System.out.printf("BENCH load average after: %s%n", loadAverage());
        } finally {
            deleteTree(dir);
        }
    }

    private static void mlp(Path dir) throws Exception {
        long small = Long.getLong("seedflow.bench.dp.small-steps", 50) * MLP_BATCH;
        long large = Long.getLong("seedflow.bench.dp.large-steps", 400) * MLP_BATCH;
        System.out.printf("BENCH mlp %s batch %d: load average at start %s%n", MLP_SPEC, MLP_BATCH, loadAverage());
        for (int p : new int[] {1, 2}) {
            Configuration conf = DataParallelRun.trainerConf(MLP_SPEC, MLP_BATCH, 0, dir.resolve("mlp").toString());
            conf.set(ZoTrainerOptions.PREQUENTIAL_WINDOW, 0); // the exchange as measured in benchmarks.md §8
            DataParallelRun.runGenerated(small, 784, 10, 1, conf, p, 600); // warm-up (JIT)
            DataParallelRun.Result a = DataParallelRun.runGenerated(small, 784, 10, 1, conf, p, 600);
            DataParallelRun.Result b = DataParallelRun.runGenerated(large, 784, 10, 1, conf, p, 600);
            report("mlp", p, MLP_BATCH, small, a, large, b);
            System.out.printf("BENCH mlp P=%d: load average after %s%n", p, loadAverage());
        }
        List<TrainingExample> examples = DataParallelRun.examples(MLP_BATCH, 784, 10, 1);
        snapshotCost("mlp", DataParallelRun.trainerConf(MLP_SPEC, MLP_BATCH, 0, dir.toString()), examples, 50);
        System.out.printf("BENCH mlp: load average at end %s%n", loadAverage());
    }

    /**
     * The MLP at P = 2 in the configurations added after the measurements of benchmarks.md §8, side by side in one
     * run: q = 2 with and without probe groups (the followers' extra round trip for their leader's count), an exact
     * head (its gradient sums in every share), and the prequential pass (one more forward per example, its
     * predictions in the shares). {@code -Dseedflow.bench.dp.model=variants}.
     */
    private static void mlpVariants(Path dir) throws Exception {
        long small = Long.getLong("seedflow.bench.dp.small-steps", 50) * MLP_BATCH;
        long large = Long.getLong("seedflow.bench.dp.large-steps", 400) * MLP_BATCH;
        java.util.Map<String, java.util.function.Consumer<Configuration>> variants = new java.util.LinkedHashMap<>();
        variants.put("q=1", c -> { });
        variants.put("q=2", c -> c.set(ZoTrainerOptions.PERTURBATIONS, 2));
        variants.put("q=2 probe-groups=2", c -> {
            c.set(ZoTrainerOptions.PERTURBATIONS, 2);
            c.set(ZoTrainerOptions.PROBE_GROUPS, 2);
        });
        variants.put("exact head", c -> c.set(ZoTrainerOptions.HEAD_LEARNING_RATE, 0.1));
        variants.put("prequential", c -> c.set(ZoTrainerOptions.PREQUENTIAL_WINDOW, 1000));
        System.out.printf("BENCH mlp variants at P=2, %s batch %d: load average at start %s%n", MLP_SPEC, MLP_BATCH,
                loadAverage());
        for (var v : variants.entrySet()) {
            Configuration conf = DataParallelRun.trainerConf(MLP_SPEC, MLP_BATCH, 0, dir.resolve("mlp").toString());
            conf.set(ZoTrainerOptions.PREQUENTIAL_WINDOW, 0);
            v.getValue().accept(conf);
            DataParallelRun.runGenerated(small, 784, 10, 1, conf, 2, 600); // warm-up (JIT)
            DataParallelRun.Result a = DataParallelRun.runGenerated(small, 784, 10, 1, conf, 2, 600);
            DataParallelRun.Result b = DataParallelRun.runGenerated(large, 784, 10, 1, conf, 2, 600);
            report("mlp " + v.getKey(), 2, MLP_BATCH, small, a, large, b);
            System.out.printf("BENCH mlp %s: load average after %s%n", v.getKey(), loadAverage());
        }
    }

    private static void encoder(Path dir) throws Exception {
        int smallSteps = Integer.getInteger("seedflow.bench.dp.encoder.small-steps", 5);
        int largeSteps = Integer.getInteger("seedflow.bench.dp.encoder.large-steps", 100);
        List<TrainingExample> examples = mails(largeSteps * ENCODER_BATCH);
        List<TrainingExample> first = examples.subList(0, smallSteps * ENCODER_BATCH);
        System.out.printf("BENCH encoder %s batch %d, ZO lr %s, head by ZO: load average at start %s%n", ENCODER_SPEC,
                ENCODER_BATCH, ENCODER_LR, loadAverage());
        Configuration conf = encoderConf(dir.resolve("encoder"));
        DataParallelRun.run(new ArrayList<>(first), conf, 1, 600); // warm-up: parses the ONNX file, JIT
        for (int p : new int[] {1, 2}) {
            DataParallelRun.Result a = DataParallelRun.run(new ArrayList<>(first), conf, p, 600);
            DataParallelRun.Result b = DataParallelRun.run(examples, conf, p, 600);
            report("encoder", p, ENCODER_BATCH, first.size(), a, examples.size(), b);
            System.out.printf("BENCH encoder P=%d: load average after %s%n", p, loadAverage());
        }
        snapshotCost("encoder", conf, examples.subList(0, ENCODER_BATCH), SNAPSHOT_REPEATS);
        System.out.printf("BENCH encoder: load average at end %s%n", loadAverage());
    }

    private static Configuration encoderConf(Path snapshots) {
        Configuration conf = DataParallelRun.trainerConf(ENCODER_SPEC, ENCODER_BATCH, 0, snapshots.toString());
        conf.set(ZoTrainerOptions.LEARNING_RATE, ENCODER_LR);
        conf.set(ZoTrainerOptions.HEAD_LEARNING_RATE, 0.0); // head by ZO, as measured in benchmarks.md §8
        conf.set(ZoTrainerOptions.PREQUENTIAL_WINDOW, 0); // no test-then-train pass, as measured there
        return conf;
    }

    /**
     * The first {@code n} SpamAssassin mails in time order, through the MiniLM tokenizer at 128 tokens (what the
     * decode stage does to a text event), as examples at offsets 0..n-1.
     */
    private static List<TrainingExample> mails(int n) {
        List<LabeledEmail> mails = SpamAssassinCorpus.read(SpamAssassinCorpus.defaultDir()).emails();
        List<TrainingExample> out = new ArrayList<>(n);
        long tokens = 0;
        int full = 0;
        int skipped = 0;
        try (TextTokenizer tokenizer = TextTokenizer.miniLm()) {
            for (int i = 0; i < mails.size() && out.size() < n; i++) {
                LabeledEmail mail = mails.get(i);
                int[] ids;
                try {
                    ids = tokenizer.tokenIds(mail.text(), ENCODER_TOKENS);
                } catch (InvalidTextException e) {
                    skipped++; // the decode stage would dead-letter it
                    continue;
                }
                tokens += ids.length;
                full += ids.length == ENCODER_TOKENS ? 1 : 0;
                out.add(TrainingExample.ofTokens(DataParallelRun.MODEL, ids, mail.label(), "events", 0, out.size()));
            }
        }
        if (out.size() < n) {
            throw new IllegalStateException("the bench needs " + n + " mails, the corpus has " + out.size());
        }
        System.out.printf("BENCH encoder input: the first %d SpamAssassin mails in time order (of %d; %d skipped as "
                + "the decode stage would), %.1f tokens per mail on average (%d of them at the full %d)%n", n,
                mails.size(), skipped, tokens / (double) n, full, ENCODER_TOKENS);
        return out;
    }

    /** events/s from the difference of two runs, steady-state step time from the records, exchange latency, bytes. */
    private static void report(String model, int p, int batch, long small, DataParallelRun.Result a, long large,
            DataParallelRun.Result b) {
        double perSecond = (large - small) / ((b.wallNanos() - a.wallNanos()) / 1e9);
        System.out.printf("BENCH %s P=%d events/s %.1f (%d events in %.2f s, %d in %.2f s; the difference removes "
                + "job start-up)%n", model, p, perSecond, large, b.wallNanos() / 1e9, small, a.wallNanos() / 1e9);
        List<UpdateRecord> records = b.records();
        if (records.size() > 4) {
            // the records' wall-clock stamps, first two steps left out (start-up)
            UpdateRecord from = records.get(2);
            UpdateRecord to = records.get(records.size() - 1);
            double ms = (to.trainerTimeMillis() - from.trainerTimeMillis()) / (double) (to.step() - from.step());
            System.out.printf("BENCH %s P=%d steady state from the records (steps %d..%d): %.2f ms per step, %.1f "
                    + "events/s%n", model, p, from.step(), to.step(), ms, batch * 1000.0 / ms);
        }
        long[][] lat = b.latencies(p);
        long[] minPerStep = new long[lat[0].length];
        long[] maxPerStep = new long[lat[0].length];
        for (int s = 0; s < minPerStep.length; s++) {
            long min = Long.MAX_VALUE;
            long max = 0;
            for (long[] l : lat) {
                min = Math.min(min, l[s]);
                max = Math.max(max, l[s]);
            }
            minPerStep[s] = min;
            maxPerStep[s] = max;
        }
        System.out.printf("BENCH %s P=%d exchange µs per step, fastest subtask (send → all shares back): %s%n", model,
                p, percentiles(minPerStep));
        System.out.printf("BENCH %s P=%d exchange µs per step, slowest subtask (includes waiting for the other "
                + "subtask's evaluation): %s%n", model, p, percentiles(maxPerStep));
        long events = b.counter("seedflow-dp-share-events");
        System.out.printf("BENCH %s P=%d payload bytes per share event %.1f, per gathered event %.1f (%d steps)%n",
                model, p, b.counter("seedflow-dp-share-bytes") / (double) events,
                b.counter("seedflow-dp-gathered-bytes") / (double) events, records.size());
    }

    /**
     * One session outside Flink, on the CPU backend, stepping on {@code examples} as one batch: the median of
     * {@code repeats} steps against the median of {@code repeats} {@code takeSnapshot()} calls (each after a step).
     */
    private static void snapshotCost(String model, Configuration conf, List<TrainingExample> examples, int repeats) {
        ModelSpec spec = ModelSpecs.parse(conf.get(ZoTrainerOptions.MODEL_SPEC));
        Batch batch = BatchAssembler.batch(examples, spec);
        long[] steps = new long[repeats];
        long[] snapshots = new long[repeats];
        int bytes = 0;
        try (TrainingSession session = TrainingSession.fresh(DataParallelRun.MODEL, spec,
                ZoTrainerOptions.zoOptions(conf), conf.get(ZoTrainerOptions.MODEL_INIT_SEED), BackendFactory.cpu())
                .session()) {
            session.step(batch, BatchAssembler.lineage(examples)); // warm-up
            session.takeSnapshot();
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                session.step(batch, BatchAssembler.lineage(examples));
                long t1 = System.nanoTime();
                EncodedSnapshot s = session.takeSnapshot();
                long t2 = System.nanoTime();
                steps[i] = t1 - t0;
                snapshots[i] = t2 - t1;
                bytes = s.bytes().length;
            }
        }
        Arrays.sort(steps);
        Arrays.sort(snapshots);
        double step = steps[repeats / 2] / 1e6;
        double snapshot = snapshots[repeats / 2] / 1e6;
        System.out.printf("BENCH %s takeSnapshot (encode + SHA-256, %d bytes): median %.2f ms (min %.2f, max %.2f) vs "
                + "one step of %d examples at P=1: median %.2f ms (min %.2f, max %.2f); snapshot ÷ step %.3f; n=%d%n",
                model, bytes, snapshot, snapshots[0] / 1e6, snapshots[repeats - 1] / 1e6, examples.size(), step,
                steps[0] / 1e6, steps[repeats - 1] / 1e6, snapshot / step, repeats);
    }

    private static int gatheredSize(byte[] payload, int subtasks) throws java.io.IOException {
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < subtasks; i++) {
            payloads.add(payload.clone());
        }
        return InstantiationUtil.serializeObject(new StepGatheredEvent(1, payloads)).length;
    }

    private static String percentiles(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        if (v.length == 0) {
            return "none";
        }
        return String.format("p50 %d, p90 %d, p99 %d, max %d (n=%d)", v[v.length / 2], v[(int) (v.length * 0.9)],
                v[Math.min(v.length - 1, (int) (v.length * 0.99))], v[v.length - 1], v.length);
    }

    private static String loadAverage() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
