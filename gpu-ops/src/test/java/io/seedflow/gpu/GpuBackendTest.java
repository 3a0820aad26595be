package io.seedflow.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.compute.ComputeBackends;
import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.gpu.check.GpuChecks;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The GPU backend against core's CPU reference. Without a usable GPU (CI) the GPU checks are skipped with the reason
 * and only the selection rules run; a skipped check is not a passed one.
 */
class GpuBackendTest {
    private static final MlpSpec SPEC = MlpSpec.parse("mlp:784x64x10:relu");
    private static final Optional<String> NO_GPU = ComputeBackends.gpuUnavailableReason(SPEC);

    private static void requireGpu() {
        assumeTrue(NO_GPU.isEmpty(), () -> "GPU check skipped: " + NO_GPU.orElse(""));
    }

    @Test
    void withoutAGpuAutoFallsBackToTheCpuAndGpuFailsNamingTheReason() {
        assumeTrue(NO_GPU.isPresent(), "this machine has a GPU; the fallback rules are checked on CI");
        try (ComputeBackend auto = ComputeBackends.create(SPEC, BackendChoice.AUTO, 0)) {
            assertThat(auto).isInstanceOf(CpuBackend.class);
        }
        assertThatThrownBy(() -> ComputeBackends.create(SPEC, BackendChoice.GPU, 0))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("seedflow.compute.backend=GPU").hasMessageContaining(NO_GPU.get());
    }

    @Test
    void theProviderIsRegisteredAndThePtxIsOnTheClassPath() {
        assertThat(ComputeBackends.gpuProvider()).isPresent();
        byte[] ptx = GpuKernels.ptx();
        String text = new String(ptx, 0, ptx.length - 1, java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(ptx[ptx.length - 1]).isZero();
        assertThat(text).contains(".entry gaussian_fill").contains(".entry apply_update").contains(".entry paired_dense")
                .contains(".entry softmax_xent");
    }

    @Test
    void deviceReproducesTheGaussianGoldenVectors() {
        requireGpu();
        try (JCudaBackend gpu = new JCudaBackend(SPEC, 0)) {
            System.out.println(GpuChecks.goldenGaussian(gpu, Path.of("..", "core", "src", "test", "resources", "golden",
                    "gaussian-v1.csv")));
        }
    }

    @Test
    void pairedLossesMatchTheCpuWithinTolerance() {
        requireGpu();
        try (JCudaBackend gpu = new JCudaBackend(SPEC, 0)) {
            System.out.println(GpuChecks.lossParity(gpu, SPEC));
        }
    }

    @Test
    void thousandStepsTrainedOnTheGpuAreBitIdenticalToACpuReplica() {
        requireGpu();
        try (JCudaBackend gpu = new JCudaBackend(SPEC, 0)) {
            System.out.println(GpuChecks.thousandStepsBitExact(gpu, SPEC, 1000));
        }
    }
}
