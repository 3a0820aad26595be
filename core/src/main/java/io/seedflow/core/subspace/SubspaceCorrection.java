package io.seedflow.core.subspace;

import io.seedflow.core.error.InvalidUpdateRecordException;
import java.util.List;

/**
 * The subspace-denoising part of an update record (docs/update-log-spec.md §6.3): the parameter group
 * ({@code tensors}, ascending), the τ (seed, coefficient) pairs of the previous window from which
 * {@link SubspaceBasis} rebuilds the principal directions, and {@code removed}: b_j for the r lowest-variance
 * directions e_j, so that the group's update becomes {@code -c z + sum_j b_j e_j}.
 */
public record SubspaceCorrection(List<Integer> tensors, List<Long> windowSeeds, List<Float> windowCoefficients,
        List<Float> removed) {
    public SubspaceCorrection {
        tensors = List.copyOf(tensors);
        windowSeeds = List.copyOf(windowSeeds);
        windowCoefficients = List.copyOf(windowCoefficients);
        removed = List.copyOf(removed);
        if (tensors.isEmpty()) {
            throw new InvalidUpdateRecordException("subspace correction: the group must name at least one tensor");
        }
        for (int i = 1; i < tensors.size(); i++) {
            if (tensors.get(i) <= tensors.get(i - 1)) {
                throw new InvalidUpdateRecordException("subspace correction: group tensors must be strictly "
                        + "ascending, got " + tensors);
            }
        }
        if (windowSeeds.size() != windowCoefficients.size() || windowSeeds.size() < 2) {
            throw new InvalidUpdateRecordException("subspace correction: window needs >= 2 seeds and as many "
                    + "coefficients, got " + windowSeeds.size() + " seeds and " + windowCoefficients.size()
                    + " coefficients");
        }
        if (removed.size() >= windowSeeds.size()) {
            throw new InvalidUpdateRecordException("subspace correction: " + removed.size() + " removed directions "
                    + "but a window of " + windowSeeds.size() + " states has at most " + (windowSeeds.size() - 1));
        }
        for (Float b : removed) {
            if (!Float.isFinite(b)) {
                throw new InvalidUpdateRecordException("subspace correction: removed coefficient " + b
                        + " is not finite");
            }
        }
    }

    /** The window that determines the basis; records of one window share it (cache key). */
    public Window window() {
        return new Window(tensors, windowSeeds, windowCoefficients);
    }

    /** A group and window history: the input of {@link SubspaceBasis#compute}. */
    public record Window(List<Integer> tensors, List<Long> seeds, List<Float> coefficients) {
        public Window {
            tensors = List.copyOf(tensors);
            seeds = List.copyOf(seeds);
            coefficients = List.copyOf(coefficients);
        }
    }
}
