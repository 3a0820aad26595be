package io.seedflow.core.zo;

import io.seedflow.core.settings.TrainerSettings;
import java.util.List;

/**
 * Subspace-denoised gradients (ZOODiP's Subspace Gradient, Seo et al. CVPR 2025) for a bounded parameter group:
 * every {@code window} (τ) steps a PCA of the group's trajectory over the last τ steps; for the next τ steps the
 * directions that together explain less than {@code varianceThreshold} (ν) of its variance are removed from each
 * ZO gradient estimate. An empty group turns it off.
 */
public record SubspaceOptions(List<String> tensors, int window, double varianceThreshold)
        implements java.io.Serializable {
    /** Bound on τ x group elements (the window history is τ x d doubles: 32 MiB at the bound). */
    public static final long MAX_HISTORY_ELEMENTS = 1L << 22;

    public static final SubspaceOptions OFF = new SubspaceOptions(List.of(), 64, 1e-3);

    public SubspaceOptions {
        tensors = List.copyOf(tensors);
        TrainerSettings.SUBSPACE_WINDOW.check(window);
        TrainerSettings.SUBSPACE_THRESHOLD.check(varianceThreshold);
    }

    public boolean enabled() {
        return !tensors.isEmpty();
    }
}
