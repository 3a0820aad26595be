package io.seedflow.core.zo;

import io.seedflow.core.error.InvalidConfigurationException;
import java.util.List;

/**
 * Which weights a step trains (Sparse MeZO, Liu et al. 2024): the tensors to train at all (empty = every tensor),
 * and within the matrices (rank >= 2) of those a mask of the given sparsity (fraction of elements frozen).
 * {@link MaskKind#MAGNITUDE}: the smallest-|theta| fraction 1 - sparsity, by a per-tensor threshold that is
 * recomputed from the weights every {@code refreshSteps} steps (0 = once, at the first step) while the mask itself
 * is recomputed every step from the unperturbed weights. {@link MaskKind#RANDOM}: a random mask of density
 * 1 - sparsity from a seed, redrawn every {@code refreshSteps} steps (0 = fixed for the run).
 */
public record SparsityOptions(MaskKind mask, double sparsity, long refreshSteps, List<String> trainableTensors) {
    public static final String MASK_KEY = "seedflow.zo.sparse.mask";
    public static final String SPARSITY_KEY = "seedflow.zo.sparse.sparsity";
    public static final String REFRESH_KEY = "seedflow.zo.sparse.refresh-steps";
    public static final String TENSORS_KEY = "seedflow.zo.trainable-tensors";

    public static final SparsityOptions NONE = new SparsityOptions(MaskKind.NONE, 0, 0, List.of());

    /** The kind of mask inside the trained matrices. */
    public enum MaskKind { NONE, MAGNITUDE, RANDOM }

    public SparsityOptions {
        trainableTensors = List.copyOf(trainableTensors);
        if (mask == null) {
            throw new InvalidConfigurationException(MASK_KEY, null, "must be NONE, MAGNITUDE or RANDOM");
        }
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new InvalidConfigurationException(SPARSITY_KEY, sparsity,
                    "must be in [0, 1) (the fraction of each matrix's elements that is frozen; 0.8 trains 20%)");
        }
        if (mask != MaskKind.NONE && sparsity == 0) {
            throw new InvalidConfigurationException(SPARSITY_KEY, sparsity, "must be in (0, 1) when " + MASK_KEY
                    + "=" + mask + " (0 would train every element: use " + MASK_KEY + "=NONE)");
        }
        if (mask == MaskKind.NONE && sparsity != 0) {
            throw new InvalidConfigurationException(MASK_KEY, mask, "must be MAGNITUDE or RANDOM when "
                    + SPARSITY_KEY + "=" + sparsity + " is set");
        }
        if (refreshSteps < 0) {
            throw new InvalidConfigurationException(REFRESH_KEY, refreshSteps, "must be >= 0 (0 = never refresh)");
        }
    }

    /** True when every element of every tensor is trained (records stay format version 1). */
    public boolean dense() {
        return mask == MaskKind.NONE && trainableTensors.isEmpty();
    }
}
