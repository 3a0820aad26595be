package io.seedflow.core.zo;

import io.seedflow.core.error.InvalidConfigurationException;
import java.util.List;

/**
 * Subspace-denoised gradients (ZOODiP's Subspace Gradient, Seo et al. CVPR 2025) for a bounded parameter group:
 * every {@code window} (τ) steps a PCA of the group's trajectory over the last τ steps; for the next τ steps the
 * directions that together explain less than {@code varianceThreshold} (ν) of its variance are removed from each
 * ZO gradient estimate. An empty group turns it off.
 */
public record SubspaceOptions(List<String> tensors, int window, double varianceThreshold) {
    public static final String TENSORS_KEY = "seedflow.zo.subspace.tensors";
    public static final String WINDOW_KEY = "seedflow.zo.subspace.window";
    public static final String THRESHOLD_KEY = "seedflow.zo.subspace.variance-threshold";
    /** Bound on τ x group elements (the window history is τ x d doubles: 32 MiB at the bound). */
    public static final long MAX_HISTORY_ELEMENTS = 1L << 22;
    public static final int MAX_WINDOW = 1024;

    public static final SubspaceOptions OFF = new SubspaceOptions(List.of(), 64, 1e-3);

    public SubspaceOptions {
        tensors = List.copyOf(tensors);
        if (window < 2 || window > MAX_WINDOW) {
            throw new InvalidConfigurationException(WINDOW_KEY, window, "must be in [2, " + MAX_WINDOW
                    + "] (τ, the steps per PCA window)");
        }
        if (!(varianceThreshold > 0 && varianceThreshold < 1)) {
            throw new InvalidConfigurationException(THRESHOLD_KEY, varianceThreshold,
                    "must be in (0, 1) (ν, the share of the window's variance treated as noise; ZOODiP uses 1e-3)");
        }
    }

    public boolean enabled() {
        return !tensors.isEmpty();
    }
}
