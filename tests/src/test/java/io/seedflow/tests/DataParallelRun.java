package io.seedflow.tests;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.parallel.DataParallelTraining;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the data-parallel trainer on a local MiniCluster over a bounded, ordered list of examples (one source split,
 * routed by {@link io.seedflow.operators.parallel.BatchPositionPartitioner}) and returns what it wrote and the exchange's accumulators.
 */
final class DataParallelRun {
    static final String MODEL = "dp-model";

    /** Records in step order, the job's accumulators and the wall time from submission to the end. */
    record Result(List<UpdateRecord> records, Map<String, Object> accumulators, long wallNanos) {
        /** "subtask:version:sha256" per subtask. */
        @SuppressWarnings("unchecked")
        List<String> finalWeights() {
            return (List<String>) accumulators.get("seedflow-dp-final-weights");
        }

        /** Per subtask, its exchange latencies in step order (µs). */
        @SuppressWarnings("unchecked")
        long[][] latencies(int parallelism) {
            long[][] out = new long[parallelism][];
            for (String s : (List<String>) accumulators.get("seedflow-dp-exchange-micros")) {
                int colon = s.indexOf(':');
                String[] parts = s.substring(colon + 1).split(",");
                long[] v = new long[s.length() == colon + 1 ? 0 : parts.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Long.parseLong(parts[i]);
                }
                out[Integer.parseInt(s.substring(0, colon))] = v;
            }
            return out;
        }

        long counter(String name) {
            return (Long) accumulators.get(name);
        }
    }

    /** The records with their wall-clock field zeroed: what two runs of the same steps must agree on. */
    static List<UpdateRecord> withoutTime(List<UpdateRecord> records) {
        return records.stream().map(r -> new UpdateRecord(r.formatVersion(), r.modelId(), r.baseSnapshotId(),
                r.step(), r.status(), r.decayFactor(), r.perturbations(), r.epsilon(), r.learningRate(),
                r.batchSize(), r.lineage(), 0L, r.mask(), r.subspace(), r.headDelta())).toList();
    }

    private DataParallelRun() {
    }

    /** Trainer settings for {@code spec} at batch {@code batch} with {@code pieces} (0 = one per subtask). */
    static Configuration trainerConf(String spec, int batch, int pieces, String snapshotDir) {
        Configuration conf = new Configuration();
        conf.set(ZoTrainerOptions.MODEL_SPEC, spec);
        conf.set(ZoTrainerOptions.BATCH_SIZE, batch);
        conf.set(ZoTrainerOptions.BATCH_PIECES, pieces);
        conf.set(ZoTrainerOptions.LEARNING_RATE, 1e-2);
        conf.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshotDir);
        // the runs compare records with a reference cutting the same batches: no step cut short by a slow machine
        conf.set(ZoTrainerOptions.MAX_WAIT, java.time.Duration.ofMinutes(10));
        return conf;
    }

    static Result run(List<TrainingExample> examples, Configuration trainer, int parallelism, int seconds)
            throws Exception {
        return run(env -> env.fromData(examples).setParallelism(1), trainer, parallelism, seconds);
    }

    /** Like {@link #run(List, Configuration, int, int)} over {@code n} examples generated in the job (for benches). */
    static Result runGenerated(long n, int features, int classes, long seed, Configuration trainer, int parallelism,
            int seconds) throws Exception {
        return run(env -> env.fromSequence(0, n - 1).setParallelism(1)
                .map(new ExampleGenerator(features, classes, seed)).setParallelism(1), trainer, parallelism, seconds);
    }

    private static Result run(Function<StreamExecutionEnvironment, DataStream<TrainingExample>> source,
            Configuration trainer, int parallelism, int seconds) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(parallelism);
        CloseableIterator<UpdateRecord> out = DataParallelTraining.train(source.apply(env), MODEL, trainer,
                "dp-trainer")
                .collectAsync();
        long start = System.nanoTime();
        JobClient job = env.executeAsync("data-parallel trainer P=" + parallelism);
        List<UpdateRecord> records = new ArrayList<>();
        try (out) {
            out.forEachRemaining(records::add);
        } catch (RuntimeException e) { // "Failed to fetch next result": say why the job failed, in the test's summary
            throw new AssertionError("data-parallel trainer P=" + parallelism + " failed: " + causes(e), e);
        }
        JobExecutionResult result = job.getJobExecutionResult().get(seconds, TimeUnit.SECONDS);
        return new Result(records, result.getAllAccumulatorResults(), System.nanoTime() - start);
    }

    /** Each cause's class and message, outermost first. */
    private static String causes(Throwable e) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            chain.append(chain.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ")
                    .append(t.getMessage());
        }
        return chain.toString();
    }

    /**
     * Example i of a generated input: the (i mod 1024)-th of a pool of examples drawn once, so that making an event
     * costs little next to training on it (the bench measures the trainer, not the generator).
     */
    private static final class ExampleGenerator implements MapFunction<Long, TrainingExample> {
        private static final long serialVersionUID = 1L;
        private static final int POOL = 1024;
        private final int features;
        private final int classes;
        private final long seed;
        private transient List<TrainingExample> pool;

        ExampleGenerator(int features, int classes, long seed) {
            this.features = features;
            this.classes = classes;
            this.seed = seed;
        }

        @Override
        public TrainingExample map(Long i) {
            if (pool == null) {
                pool = examples(POOL, features, classes, seed);
            }
            TrainingExample e = pool.get((int) (i % POOL));
            return new TrainingExample(MODEL, e.features, e.label, "events", 0, i);
        }
    }

    private static TrainingExample example(Random random, long offset, int features, int classes) {
        int label = random.nextInt(classes);
        float[] x = new float[features];
        for (int f = 0; f < features; f++) {
            x[f] = (float) (random.nextGaussian() * 0.5 + (f % classes == label ? 1.0 : 0.0));
        }
        return new TrainingExample(MODEL, x, label, "events", 0, offset);
    }

    /** {@code n} dense examples of model {@link #MODEL} at offsets 0..n-1, class-dependent means (learnable). */
    static List<TrainingExample> examples(int n, int features, int classes, long seed) {
        Random random = new Random(seed);
        List<TrainingExample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(example(random, i, features, classes));
        }
        return out;
    }
}
