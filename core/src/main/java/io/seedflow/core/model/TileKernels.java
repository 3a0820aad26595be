package io.seedflow.core.model;

/**
 * Chooses the {@link TileKernel} once per JVM: the Vector API kernel when module {@code jdk.incubator.vector} is
 * present (run the JVM with {@code --add-modules jdk.incubator.vector}) and not disabled with
 * {@code -Dseedflow.cpu.vector=false}; the scalar kernel otherwise. Both give identical bits.
 */
final class TileKernels {
    private static final TileKernel CHOSEN = choose();

    private TileKernels() {
    }

    static TileKernel get() {
        return CHOSEN;
    }

    static TileKernel scalar() {
        return new ScalarTileKernel();
    }

    /** The vector kernel, or null where the module is absent. */
    static TileKernel vectorOrNull() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return VectorTileKernel.usable() ? new VectorTileKernel() : null;
        } catch (LinkageError e) {
            return null;
        }
    }

    static String describe() {
        return CHOSEN instanceof ScalarTileKernel ? "scalar" : "vector";
    }

    private static TileKernel choose() {
        if (!Boolean.parseBoolean(System.getProperty("seedflow.cpu.vector", "true"))) {
            return new ScalarTileKernel();
        }
        TileKernel v = vectorOrNull();
        return v != null ? v : new ScalarTileKernel();
    }
}
