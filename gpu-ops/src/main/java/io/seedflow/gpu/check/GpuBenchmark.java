package io.seedflow.gpu.check;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.gpu.JCudaBackend;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * GPU benchmarks of docs/benchmarks.md §5, printed as CSV: per model and batch, the median ZO step time, the median
 * plain forward at twice the batch (the two perturbed passes are the irreducible work: aim step / forward(2B) <= 1.2),
 * device memory in use while training vs for inference of the same batch (aim <= 1.05), and steps/s of the CPU
 * backend on the same step. Arguments: {@code [models;...] [batches,...] [steps]}.
 */
public final class GpuBenchmark {
    private GpuBenchmark() {
    }

    public static void main(String[] args) {
        String[] models = (args.length > 0 ? args[0] : "mlp:784x64x10:relu;mlp:784x4096x4096x4096x10:relu").split(";");
        int[] batches = Arrays.stream((args.length > 1 ? args[1] : "64,256,1024").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        System.out.println("model,batch,step_ms,forward_2b_ms,ratio,train_mem_mb,infer_mem_mb,mem_ratio,gpu_steps_s,"
                + "cpu_steps_s,gpu_vs_cpu");
        for (String m : models) {
            MlpSpec spec = MlpSpec.parse(m);
            for (int b : batches) {
                row(spec, b, steps);
            }
        }
    }

    private static void row(MlpSpec spec, int b, int steps) {
        ParameterSet params = new Mlp(spec).initialize(1);
        Batch batch = GpuChecks.batch(spec, 1, b);
        Batch twice = GpuChecks.batch(spec, 2, 2 * b);
        long inferMem;
        double forward2b;
        try (JCudaBackend gpu = new JCudaBackend(spec, 0)) {
            gpu.lossSum(params, batch);
            inferMem = gpu.peakUsedBytes();
        }
        try (JCudaBackend gpu = new JCudaBackend(spec, 0)) {
            forward2b = median(steps, () -> gpu.lossSum(params, twice));
        }
        double step;
        long trainMem;
        try (JCudaBackend gpu = new JCudaBackend(spec, 0)) {
            TrainingSession t = trainer(spec, gpu, params.copy());
            step = median(steps, () -> t.step(batch, List.of(new Lineage("b", 0, 0, b))));
            trainMem = gpu.peakUsedBytes();
        }
        double cpuStep;
        try (ComputeBackend cpu = new CpuBackend(spec)) {
            TrainingSession t = trainer(spec, cpu, params.copy());
            long work = spec.tensorSpecs().stream().mapToLong(ts -> ts.elementCount()).sum() * (long) b;
            cpuStep = median(Math.max(3, Math.min(steps, (int) (2e9 / Math.max(1, work)))),
                    () -> t.step(batch, List.of(new Lineage("b", 0, 0, b))));
        }
        System.out.printf(Locale.ROOT, "%s,%d,%.3f,%.3f,%.2f,%.1f,%.1f,%.3f,%.1f,%.2f,%.1f%n", spec.toText(), b, step,
                forward2b, step / forward2b, trainMem / 1e6, inferMem / 1e6, (double) trainMem / inferMem,
                1000 / step, 1000 / cpuStep, cpuStep / step);
    }

    private static TrainingSession trainer(MlpSpec spec, ComputeBackend backend, ParameterSet params) {
        return TrainingSession.resume("bench", spec, ZoOptions.builder().learningRate(1e-4).runSeed(3).build(),
                params, "base", 0, s -> backend);
    }

    /** Median wall time in ms of {@code n} runs after 3 warm-up runs. */
    private static double median(int n, Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[n / 2];
    }
}
