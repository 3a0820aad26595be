package io.seedflow.core.compute;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.ModelSpec;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/** Picks the backend a trainer runs on: {@link BackendChoice} plus what this machine has. */
public final class ComputeBackends {
    public static final String KEY = io.seedflow.core.settings.TrainerSettings.COMPUTE_BACKEND.key();
    private static final Logger LOG = Logger.getLogger(ComputeBackends.class.getName());

    private ComputeBackends() {
    }

    /** The GPU provider on the class path, if any (gpu-ops registers one). */
    public static Optional<ComputeBackendProvider> gpuProvider() {
        for (ComputeBackendProvider p : ServiceLoader.load(ComputeBackendProvider.class,
                ComputeBackends.class.getClassLoader())) {
            if (p.name().equals("gpu")) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Why the GPU backend cannot train {@code spec} here, or empty when it can. */
    public static Optional<String> gpuUnavailableReason(ModelSpec spec) {
        Optional<ComputeBackendProvider> p = gpuProvider();
        return p.isEmpty() ? Optional.of("the gpu-ops module is not on the class path")
                : p.get().unavailableReason(spec);
    }

    /**
     * The backend for {@code spec}. GPU without a usable GPU throws {@link InvalidConfigurationException} naming
     * the reason; AUTO falls back to the CPU and logs why.
     */
    public static ComputeBackend create(ModelSpec spec, BackendChoice choice, int deviceIndex) {
        if (choice == BackendChoice.CPU) {
            return new CpuBackend(spec);
        }
        requireUsable(choice, spec);
        Optional<String> why = gpuUnavailableReason(spec);
        if (why.isEmpty()) {
            return gpuProvider().orElseThrow().create(spec, deviceIndex);
        }
        LOG.info("compute backend: CPU (" + why.get() + ")");
        return new CpuBackend(spec);
    }

    /** Fails with the reason when {@code choice} is GPU and no GPU can train {@code spec} here (a start-up check). */
    public static void requireUsable(BackendChoice choice, ModelSpec spec) {
        Optional<String> why = gpuUnavailableReason(spec);
        if (choice == BackendChoice.GPU && why.isPresent()) {
            throw new InvalidConfigurationException(KEY, choice, "requires a usable GPU, but " + why.get()
                    + "; use AUTO or CPU to train on the CPU");
        }
    }
}
