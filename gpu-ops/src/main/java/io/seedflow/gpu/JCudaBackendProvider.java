package io.seedflow.gpu;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.compute.ComputeBackendProvider;
import io.seedflow.core.model.MlpSpec;
import java.util.Optional;

/** Registers {@link JCudaBackend} with core's backend selection (META-INF/services). */
public final class JCudaBackendProvider implements ComputeBackendProvider {
    @Override
    public String name() {
        return "gpu";
    }

    @Override
    public Optional<String> unavailableReason() {
        return CudaDriver.unavailableReason();
    }

    @Override
    public ComputeBackend create(MlpSpec spec, int deviceIndex) {
        return new JCudaBackend(spec, deviceIndex);
    }
}
