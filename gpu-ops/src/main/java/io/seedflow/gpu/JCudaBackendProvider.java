package io.seedflow.gpu;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.compute.ComputeBackendProvider;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.ModelSpec;
import java.util.Optional;

/** Registers {@link JCudaBackend} with core's backend selection (META-INF/services). */
public final class JCudaBackendProvider implements ComputeBackendProvider {
    @Override
    public String name() {
        return "gpu";
    }

    @Override
    public Optional<String> unavailableReason(ModelSpec spec) {
        if (!(spec instanceof MlpSpec)) {
            return Optional.of("the GPU backend has no kernels for the " + spec.family() + " family yet");
        }
        return CudaDriver.unavailableReason();
    }

    @Override
    public ComputeBackend create(ModelSpec spec, int deviceIndex) {
        return new JCudaBackend((MlpSpec) spec, deviceIndex);
    }
}
