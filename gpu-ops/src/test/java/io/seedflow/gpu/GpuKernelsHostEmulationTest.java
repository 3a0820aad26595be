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
 * Checks the transcription of the per-thread CUDA kernels (z_element, apply_update) against core's Java reference
 * without a GPU: src/test/cuda/host_emulation.cpp includes the .cu file with each rounded intrinsic mapped to one
 * IEEE binary32 operation and is compiled by the host C++ compiler (-ffp-contract=off). Skipped when no g++ is
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
            p = new ProcessBuilder("g++", "-O1", "-ffp-contract=off", "-std=c++17", "-o", exe.toString(),
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
                .append((int) Math.floor((double) mask.keepFraction() * (1 << 24))).append(" 1\n");
        Path input = dir.resolve("apply-case.txt");
        Files.writeString(input, sb.toString());
        assertThat(run("apply", input)).contains("5000 elements, 0 mismatches");
    }
}
