package io.seedflow.core.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.MlpSpec;
import org.junit.jupiter.api.Test;

/** Backend selection when no GPU provider is on the class path (core alone, as in this module's tests). */
class ComputeBackendsTest {
    private static final MlpSpec SPEC = MlpSpec.parse("mlp:4x3x2:relu");

    @Test
    void cpuAndAutoGiveTheCpuBackendAndGpuFailsWithTheReason() {
        assertThat(ComputeBackends.gpuUnavailableReason(SPEC)).contains("the gpu-ops module is not on the class path");
        try (ComputeBackend cpu = ComputeBackends.create(SPEC, BackendChoice.CPU, 0);
             ComputeBackend auto = ComputeBackends.create(SPEC, BackendChoice.AUTO, 0)) {
            assertThat(cpu.name()).isEqualTo("cpu");
            assertThat(auto.name()).isEqualTo("cpu");
        }
        assertThatThrownBy(() -> ComputeBackends.create(SPEC, BackendChoice.GPU, 1))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("seedflow.compute.backend=GPU: requires a usable GPU, but the gpu-ops module is "
                        + "not on the class path; use AUTO or CPU");
    }
}
