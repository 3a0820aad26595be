package io.seedflow.core.tensor;

/**
 * Whether the CPU kernels may use the JDK Vector API: module {@code jdk.incubator.vector} is in the boot layer (run
 * the JVM with {@code --add-modules jdk.incubator.vector}) and {@code -Dseedflow.cpu.vector=false} is not set.
 * Vector and scalar kernels produce identical bits; this only changes speed.
 */
public final class VectorSupport {
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("seedflow.cpu.vector", "true"))
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorSupport() {
    }

    public static boolean enabled() {
        return ENABLED;
    }
}
