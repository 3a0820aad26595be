package io.seedflow.gpu.check;

import io.seedflow.core.compute.ComputeBackends;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.gpu.JCudaBackend;
import java.nio.file.Path;

/**
 * Entry point of the GPU bundle (scripts/build-gpu-bundle.sh): {@code check [golden.csv]} runs the acceptance
 * checks, {@code bench} the GPU benchmarks ({@link GpuBenchmark}). Exit code 0 only if every check passed.
 */
public final class GpuMain {
    private GpuMain() {
    }

    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "check";
        var reason = ComputeBackends.gpuUnavailableReason(MlpSpec.parse("mlp:784x64x10:relu"));
        if (reason.isPresent()) {
            System.err.println("seedflow-gpu: no usable GPU: " + reason.get());
            System.exit(2);
        }
        MlpSpec spec = MlpSpec.parse("mlp:784x64x10:relu");
        if (what.equals("bench")) {
            GpuBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int failures = 0;
        try (JCudaBackend gpu = new JCudaBackend(spec, 0)) {
            System.out.println("device: " + gpu.deviceName());
            Path golden = Path.of(args.length > 1 ? args[1] : "gaussian-v1.csv");
            for (Check c : new Check[] {() -> GpuChecks.goldenGaussian(gpu, golden),
                    () -> GpuChecks.lossParity(gpu, spec), () -> GpuChecks.thousandStepsBitExact(gpu, spec, 1000)}) {
                try {
                    System.out.println("PASS " + c.run());
                } catch (AssertionError | RuntimeException e) {
                    failures++;
                    System.out.println("FAIL " + e);
                }
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    private interface Check {
        String run();
    }
}
