package io.seedflow.core.session;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.compute.ComputeBackends;
import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.model.ModelSpec;

/** Creates the compute backend a {@link TrainingSession} runs on (CPU or GPU, see {@link ComputeBackends}). */
@FunctionalInterface
public interface BackendFactory {
    ComputeBackend create(ModelSpec spec);

    /** The pure-Java backend. */
    static BackendFactory cpu() {
        return CpuBackend::new;
    }

    /** {@link ComputeBackends#create} with {@code choice} on device {@code deviceIndex}. */
    static BackendFactory of(BackendChoice choice, int deviceIndex) {
        return spec -> ComputeBackends.create(spec, choice, deviceIndex);
    }
}
