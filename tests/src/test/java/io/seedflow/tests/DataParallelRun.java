package io.seedflow.tests;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.UpdateRecordTypeInfo;
import io.seedflow.operators.parallel.BatchPositionPartitioner;
import io.seedflow.operators.parallel.DataParallelTrainerOperatorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the data-parallel trainer on a local MiniCluster over a bounded, ordered list of examples (one source split,
 * routed by {@link BatchPositionPartitioner}) and returns what it wrote and the exchange's accumulators.
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
        return conf;
    }

    static Result run(List<TrainingExample> examples, Configuration trainer, int parallelism, int seconds)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(parallelism);
        int batch = trainer.get(ZoTrainerOptions.BATCH_SIZE);
        int pieces = trainer.get(ZoTrainerOptions.BATCH_PIECES);
        CloseableIterator<UpdateRecord> out = env.fromData(examples).setParallelism(1)
                .partitionCustom(new BatchPositionPartitioner(batch, pieces), e -> e.offset)
                .transform("data-parallel ZO trainer", new UpdateRecordTypeInfo(),
                        new DataParallelTrainerOperatorFactory(trainer, MODEL))
                .setParallelism(parallelism)
                .collectAsync();
        long start = System.nanoTime();
        JobClient job = env.executeAsync("data-parallel trainer P=" + parallelism);
        List<UpdateRecord> records = new ArrayList<>();
        try (out) {
            out.forEachRemaining(records::add);
        }
        JobExecutionResult result = job.getJobExecutionResult().get(seconds, TimeUnit.SECONDS);
        return new Result(records, result.getAllAccumulatorResults(), System.nanoTime() - start);
    }

    /** {@code n} dense examples of model {@link #MODEL} at offsets 0..n-1, class-dependent means (learnable). */
    static List<TrainingExample> examples(int n, int features, int classes, long seed) {
        Random random = new Random(seed);
        List<TrainingExample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(classes);
            float[] x = new float[features];
            for (int f = 0; f < features; f++) {
                x[f] = (float) (random.nextGaussian() * 0.5 + (f % classes == label ? 1.0 : 0.0));
            }
            out.add(new TrainingExample(MODEL, x, label, "events", 0, i));
        }
        return out;
    }
}
