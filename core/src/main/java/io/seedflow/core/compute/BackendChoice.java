package io.seedflow.core.compute;

/** Setting {@code seedflow.compute.backend}: which backend trains. */
public enum BackendChoice {
    /** The GPU backend when a GPU is usable, else the CPU backend. */
    AUTO,
    /** Always the pure-Java backend. */
    CPU,
    /** The GPU backend; starting without a usable GPU fails with the reason. */
    GPU
}
