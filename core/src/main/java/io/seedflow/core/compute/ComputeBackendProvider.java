package io.seedflow.core.compute;

import io.seedflow.core.model.MlpSpec;
import java.util.Optional;

/**
 * A compute backend that may or may not be usable on this machine (the GPU backend of gpu-ops), found through
 * {@link java.util.ServiceLoader}. Core never links against it.
 */
public interface ComputeBackendProvider {
    /** "gpu", ... */
    String name();

    /** Empty when usable; otherwise why not (no driver, no device, native library not loadable, ...). */
    Optional<String> unavailableReason();

    /** A backend for {@code spec} on device {@code deviceIndex}; only called when {@link #unavailableReason} is empty. */
    ComputeBackend create(MlpSpec spec, int deviceIndex);
}
