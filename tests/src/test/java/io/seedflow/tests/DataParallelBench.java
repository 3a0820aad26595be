package io.seedflow.tests;

import io.seedflow.operators.parallel.StepGatheredEvent;
import io.seedflow.operators.parallel.StepShareEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures the data-parallel trainer's exchange on a local MiniCluster (docs/scale-out.md §6): per-step exchange
 * latency, events/s at P = 1 and 2 for the Fashion-MNIST-sized MLP, bytes per operator event. A bench, not a test:
 * it reports numbers and asserts nothing; runs only with {@code -Dseedflow.bench.dp=true}.
 */
@EnabledIfSystemProperty(named = "seedflow.bench.dp", matches = "true")
class DataParallelBench {
    private static final String SPEC = "mlp:784x64x10:relu";
    private static final int BATCH = 128;

    @Test
    void exchangeLatencyAndThroughput() throws Exception {
        Path dir = Files.createTempDirectory("dp-bench");
        long small = Long.getLong("seedflow.bench.dp.small-steps", 50) * BATCH;
        long large = Long.getLong("seedflow.bench.dp.large-steps", 400) * BATCH;
        System.out.printf("BENCH load average before: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        for (int p : new int[] {1, 2}) {
            Configuration conf = DataParallelRun.trainerConf(SPEC, BATCH, 0, dir.toString());
            DataParallelRun.runGenerated(small, 784, 10, 1, conf, p, 600); // warm-up (JIT)
            DataParallelRun.Result a = DataParallelRun.runGenerated(small, 784, 10, 1, conf, p, 600);
            DataParallelRun.Result b = DataParallelRun.runGenerated(large, 784, 10, 1, conf, p, 600);
            double perSecond = (large - small) / ((b.wallNanos() - a.wallNanos()) / 1e9);
            System.out.printf("BENCH P=%d events/s %.0f (%d events in %.2f s, %d in %.2f s; the difference removes "
                    + "job start-up)%n", p, perSecond, large, b.wallNanos() / 1e9, small, a.wallNanos() / 1e9);
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
            System.out.printf("BENCH P=%d exchange µs per step, fastest subtask (send → all shares back): %s%n", p,
                    percentiles(minPerStep));
            System.out.printf("BENCH P=%d exchange µs per step, slowest subtask (includes waiting for the other "
                    + "subtask's evaluation): %s%n", p, percentiles(maxPerStep));
            long events = b.counter("seedflow-dp-share-events");
            System.out.printf("BENCH P=%d payload bytes per share event %.1f, per gathered event %.1f (%d steps)%n",
                    p, b.counter("seedflow-dp-share-bytes") / (double) events,
                    b.counter("seedflow-dp-gathered-bytes") / (double) events, b.records().size());
        }
        // what Flink's RPC carries: the event Java-serialized around our payload (q = 1, one lineage range)
        byte[] share = new byte[60];
        System.out.printf("BENCH serialized StepShareEvent with a 60-byte payload: %d bytes; StepGatheredEvent of "
                + "2 such payloads: %d bytes%n", InstantiationUtil.serializeObject(new StepShareEvent(1, share, false)).length,
                InstantiationUtil.serializeObject(new StepGatheredEvent(1, Arrays.asList(share, share))).length);
        System.out.printf("BENCH load average after: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
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
}
