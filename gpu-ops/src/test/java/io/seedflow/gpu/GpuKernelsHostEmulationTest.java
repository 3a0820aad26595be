package io.seedflow.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.rng.Philox4x32;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the transcription of the CUDA kernels (z_element, apply_update, paired_dense + softmax_xent) against core's
 * Java reference without a GPU: src/test/cuda/host_emulation.cpp includes the .cu file with each rounded intrinsic
 * mapped to one IEEE binary32 operation, runs a block's threads as OS threads (so __syncthreads and shared memory
 * behave), and is compiled by the host C++ compiler (-ffp-contract=off). Skipped when no g++ is
 * installed. This is not a GPU test: what the GPU itself computes is checked only by {@link GpuBackendTest}.
 */
class GpuKernelsHostEmulationTest {
    @TempDir
    static Path dir;

    static Path binary;

    @BeforeAll
    static void compile() throws Exception {
        Path exe = dir.resolve("host_emulation");
        Process p;
        try {
            p = new ProcessBuilder("g++", "-O1", "-ffp-contract=off", "-std=c++20", "-pthread", "-o", exe.toString(),
                    Path.of("src/test/cuda/host_emulation.cpp").toAbsolutePath().toString()).redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            // no compiler: the tests skip, except in CI (.ci/run installs g++ and sets SEEDFLOW_REQUIRE_GXX)
            assertThat(System.getenv("SEEDFLOW_REQUIRE_GXX")).as("g++ is required here: " + e.getMessage()).isNull();
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        binary = exe;
    }

    private static String run(String what, Path input) throws Exception {
        assumeTrue(binary != null, "host emulation skipped: no g++ on this machine");
        Process p = new ProcessBuilder(binary.toString(), what, input.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void gaussianOfTheKernelSourceReproducesTheGoldenVectors() throws Exception {
        assertThat(run("golden", Path.of("..", "core", "src", "test", "resources", "golden", "gaussian-v1.csv")))
                .contains("0 mismatches");
    }

    @Test
    void applyUpdateOfTheKernelSourceGivesTheBitsOfUpdateApplier() throws Exception {
        ParameterSet p = new Mlp(MlpSpec.parse("mlp:100x50x10:relu")).initialize(3);
        float[] before = p.tensor(0).clone();
        long s1 = 0x123456789abcdefL;
        long s2 = -77L;
        TensorMask mask = new TensorMask(0, 0.12f, 0xdeadbeefcafeL, 0.6f);
        UpdateRecord r = new UpdateRecord(2, "m", "b", 1, UpdateStatus.APPLIED, 0.999f,
                List.of(new PerturbationTerm(s1, 1.5e-3f, 0, 0, 0), new PerturbationTerm(s2, -7e-4f, 0, 0, 0)), 1e-3f,
                0f, 1, List.of(), 0L, new UpdateMask(List.of(mask, TensorMask.dense(1))), null);
        UpdateApplier.apply(p, r);
        float[] after = p.tensor(0);
        int changed = 0;
        StringBuilder sb = new StringBuilder().append(before.length).append('\n');
        for (float v : before) {
            sb.append(Integer.toHexString(Float.floatToRawIntBits(v))).append('\n');
        }
        for (int i = 0; i < after.length; i++) {
            sb.append(Integer.toHexString(Float.floatToRawIntBits(after[i]))).append('\n');
            changed += after[i] != before[i] ? 1 : 0;
        }
        assertThat(changed).as("the mask trains some elements, not all").isBetween(500, 4500);
        sb.append("0 ").append(Integer.toHexString(Float.floatToRawIntBits(0.999f))).append(" 1 2\n");
        for (PerturbationTerm t : r.perturbations()) {
            sb.append(Integer.toHexString(Philox4x32.lo(t.seed()))).append(' ')
                    .append(Integer.toHexString(Philox4x32.hi(t.seed()))).append(' ')
                    .append(Integer.toHexString(Float.floatToRawIntBits(t.coefficient()))).append('\n');
        }
        sb.append(Integer.toHexString(Float.floatToRawIntBits(mask.maxMagnitude()))).append(' ')
                .append(Integer.toHexString(Philox4x32.lo(mask.keepSeed()))).append(' ')
                .append(Integer.toHexString(Philox4x32.hi(mask.keepSeed()))).append(' ')
                .append(mask.keepLimit()).append(" 1\n");
        Path input = dir.resolve("apply-case.txt");
        Files.writeString(input, sb.toString());
        assertThat(run("apply", input)).contains("5000 elements, 0 mismatches");
    }

    @Test
    void pairedDenseOfTheKernelSourceGivesTheCpuBackendsLosses() throws Exception {
        MlpSpec spec = MlpSpec.parse("mlp:40x20x10:relu"); // tile edges: 40 inputs, 20 rows, batch 37
        ParameterSet params = new Mlp(spec).initialize(8);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(4);
        int batch = 37;
        float[] x = new float[batch * 40];
        int[] y = new int[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < batch; i++) {
            y[i] = rnd.nextInt(10);
        }
        long seed = 0x5EEDL;
        float eps = 1e-2f;
        TensorMask m0 = new TensorMask(0, 0.3f, 99L, 0.7f);
        for (boolean frozen : new boolean[] {false, true}) {
            UpdateMask mask = new UpdateMask(frozen ? List.of(TensorMask.dense(1), TensorMask.dense(2),
                    TensorMask.dense(3)) : List.of(m0, TensorMask.dense(1), TensorMask.dense(2), TensorMask.dense(3)));
            var cpu = new io.seedflow.core.compute.CpuBackend(spec).perturbedLossSums(params,
                    new io.seedflow.core.model.Batch(x, y, batch, 40), seed, eps, mask);
            StringBuilder sb = new StringBuilder();
            sb.append("40 20 10 ").append(batch).append(' ').append(Integer.toHexString(Philox4x32.lo(seed))).append(' ')
                    .append(Integer.toHexString(Philox4x32.hi(seed))).append(' ').append(hex(eps)).append(' ')
                    .append(frozen ? 1 : 0).append(' ').append(hex(m0.maxMagnitude())).append(' ')
                    .append(Integer.toHexString(Philox4x32.lo(m0.keepSeed()))).append(' ')
                    .append(Integer.toHexString(Philox4x32.hi(m0.keepSeed()))).append(' ')
                    .append(m0.keepLimit()).append(" 1\n");
            for (int t = 0; t < 4; t++) {
                for (float v : params.tensor(t)) {
                    sb.append(hex(v)).append('\n');
                }
            }
            for (float v : x) {
                sb.append(hex(v)).append('\n');
            }
            for (int v : y) {
                sb.append(v).append('\n');
            }
            Path input = dir.resolve("forward-case-" + frozen + ".txt");
            Files.writeString(input, sb.toString());
            String[] out = run("forward", input).trim().split("\\s+");
            double plus = Double.parseDouble(out[1]);
            double minus = Double.parseDouble(out[2]);
            // same fma chains as the CPU tiles, so the logits are the same bits; only exp/log of the loss may differ
            assertThat(plus).as("L+ frozen=%s", frozen).isCloseTo(cpu.meanPlus(), org.assertj.core.api.Assertions.within(1e-12));
            assertThat(minus).as("L- frozen=%s", frozen).isCloseTo(cpu.meanMinus(), org.assertj.core.api.Assertions.within(1e-12));
            assertThat(plus).isNotEqualTo(minus);
        }
    }

    private static String hex(float v) {
        return Integer.toHexString(Float.floatToRawIntBits(v));
    }
}
