package io.seedflow.core.compute;

import io.seedflow.core.model.ModelSpec;
import java.util.Optional;

/**
 * A compute backend that may or may not be usable on this machine (the GPU backend of gpu-ops), found through
 * {@link java.util.ServiceLoader}. Core never links against it.
 */
public interface ComputeBackendProvider {
    /** "gpu", ... */
    String name();

    /**
     * Empty when usable for {@code spec}; otherwise why not (the model family is not supported, no driver, no device,
     * native library not loadable, ...).
     */
    Optional<String> unavailableReason(ModelSpec spec);

    /** A backend for {@code spec} on device {@code deviceIndex}; called only when {@link #unavailableReason} is empty. */
    ComputeBackend create(ModelSpec spec, int deviceIndex);
}
