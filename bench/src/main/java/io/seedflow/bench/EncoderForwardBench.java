package io.seedflow.bench;

import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.ParameterSet;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;

/**
 * Wall time of one encoder forward ({@link EncoderModel#logits}) and one paired perturbed forward
 * ({@link EncoderModel#perturbedLossSums}) on batches of full-length random texts; a plain main, not JMH, so a run
 * takes a minute. Threads = common-pool parallelism + the caller (1 with {@code -Dseedflow.cpu.parallel=false}).
 * Prints the median and the best wall time of the timed runs, and the median process CPU time per run: on a machine
 * shared with other work the wall time grows with the contention, the CPU time much less (CPU / threads is what an
 * idle machine's wall time would be at best).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Djava.util.concurrent.ForkJoinPool.common.parallelism=1 \
 *     -cp bench/target/benchmarks.jar io.seedflow.bench.EncoderForwardBench [spec] [tokens] [runs] [batch...]
 * </pre>
 * Defaults: {@code encoder:bert-L6-H384-A12-F1536-V30522-P512:2} (MiniLM-L6 size, random weights), 128 tokens,
 * 5 timed runs after 3 warm-up runs, batches 16 and 32.
 */
public final class EncoderForwardBench {
    private EncoderForwardBench() {
    }

    public static void main(String[] args) {
        EncoderSpec spec = EncoderSpec.parse(args.length > 0 ? args[0]
                : "encoder:bert-L6-H384-A12-F1536-V30522-P512:2");
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int[] batches = args.length > 3 ? Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {16, 32};
        EncoderModel model = new EncoderModel(spec);
        ParameterSet params = model.initialize(2L);
        System.out.printf(Locale.ROOT, "%s, %d tokens, kernel %s, threads %d%n", spec, tokens, model.kernelName(),
                Boolean.parseBoolean(System.getProperty("seedflow.cpu.parallel", "true"))
                        ? ForkJoinPool.getCommonPoolParallelism() + 1 : 1);
        for (int size : batches) {
            Batch batch = batch(spec, size, tokens, size);
            double[] forward = time(runs, () -> model.logits(params, batch));
            double[] paired = time(runs, () -> model.perturbedLossSums(params, batch, 7L, 1e-3f, null));
            System.out.printf(Locale.ROOT, "batch %2d: forward median %.1f ms (best %.1f, CPU %.1f ms), paired forward"
                    + " median %.1f ms (best %.1f, CPU %.1f ms)%n", size, forward[0], forward[1], forward[2], paired[0],
                    paired[1], paired[2]);
        }
    }

    private static double[] time(int runs, Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                ManagementFactory.getOperatingSystemMXBean();
        double[] ms = new double[runs];
        double[] cpu = new double[runs];
        for (int i = 0; i < runs; i++) {
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = (os.getProcessCpuTime() - c0) / 1e6;
        }
        Arrays.sort(ms);
        Arrays.sort(cpu);
        return new double[] {ms[runs / 2], ms[0], cpu[runs / 2]};
    }

    private static Batch batch(EncoderSpec spec, int size, int tokens, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = new int[size * tokens];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(spec.vocab());
        }
        int[] counts = new int[size];
        Arrays.fill(counts, tokens);
        return Batch.ofTokens(ids, counts, new int[size], tokens);
    }
}
