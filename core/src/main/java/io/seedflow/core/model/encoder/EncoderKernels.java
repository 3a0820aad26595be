package io.seedflow.core.model.encoder;

import io.seedflow.core.tensor.VectorSupport;

/**
 * Chooses the {@link EncoderKernel} once per JVM: {@link VectorEncoderKernel} where {@link VectorSupport} allows the
 * Vector API ({@code --add-modules jdk.incubator.vector}, not disabled by {@code -Dseedflow.cpu.vector=false}), the
 * scalar kernel otherwise. Both give identical bits; this only changes speed.
 */
final class EncoderKernels {
    private static final EncoderKernel CHOSEN = choose();

    private EncoderKernels() {
    }

    static EncoderKernel get() {
        return CHOSEN;
    }

    /** The vector kernel, or null where the module is absent or disabled. */
    static EncoderKernel vectorOrNull() {
        if (!VectorSupport.enabled()) {
            return null;
        }
        try {
            return new VectorEncoderKernel();
        } catch (LinkageError e) {
            return null;
        }
    }

    private static EncoderKernel choose() {
        EncoderKernel v = vectorOrNull();
        return v != null ? v : new ScalarEncoderKernel();
    }
}
