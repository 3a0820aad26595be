package io.seedflow.gpu;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuInit;

import java.util.Optional;
import jcuda.driver.JCudaDriver;

/**
 * Loads JCuda's driver binding once per class loader and probes for a device. Without a driver the first touch of
 * {@link JCudaDriver} throws {@link UnsatisfiedLinkError} (later {@link NoClassDefFoundError}); both become a reason
 * string, never an exception. Under Flink, load JCuda from the TaskManager's lib/ (parent-first) so the native library
 * is loaded once per TaskManager, not once per job class loader (FLINK-5408: a second load fails).
 */
final class CudaDriver {
    private static final Optional<String> UNAVAILABLE = probe();

    private CudaDriver() {
    }

    static Optional<String> unavailableReason() {
        return UNAVAILABLE;
    }

    private static Optional<String> probe() {
        if (Boolean.getBoolean("seedflow.gpu.disabled")) {
            return Optional.of("the GPU backend is disabled by -Dseedflow.gpu.disabled=true");
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            return count[0] > 0 ? Optional.empty() : Optional.of("the CUDA driver reports no device");
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            String m = String.valueOf(e.getMessage());
            String cause = m.contains("libcuda.so") ? "libcuda.so.1 not found: no NVIDIA driver on this machine"
                    : m.lines().findFirst().orElse(m);
            return Optional.of("the CUDA driver library could not be loaded (" + cause + ")");
        } catch (RuntimeException e) {
            return Optional.of("CUDA initialization failed: " + e.getMessage());
        }
    }
}
