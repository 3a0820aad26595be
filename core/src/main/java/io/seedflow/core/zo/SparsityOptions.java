package io.seedflow.core.zo;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which weights a step trains (Sparse MeZO, Liu et al. 2024): the tensors to train at all (empty = every tensor),
 * and within the matrices (rank >= 2) of those a mask of the given sparsity (fraction of elements frozen).
 * {@link MaskKind#MAGNITUDE}: the smallest-|theta| fraction 1 - sparsity, by a per-tensor threshold that is
 * recomputed from the weights every {@code refreshSteps} steps (0 = once, at the first step) while the mask itself
 * is recomputed every step from the unperturbed weights. {@link MaskKind#RANDOM}: a random mask of density
 * 1 - sparsity from a seed, redrawn every {@code refreshSteps} steps (0 = fixed for the run).
 */
public record SparsityOptions(MaskKind mask, double sparsity, long refreshSteps, List<String> trainableTensors)
        implements java.io.Serializable {

    public static final SparsityOptions NONE = new SparsityOptions(MaskKind.NONE, 0, 0, List.of());

    /** The kind of mask inside the trained matrices. */
    public enum MaskKind { NONE, MAGNITUDE, RANDOM }

    public SparsityOptions {
        trainableTensors = List.copyOf(trainableTensors);
        TrainerSettings.SPARSE_MASK.check(mask);
        TrainerSettings.SPARSITY.check(sparsity);
        TrainerSettings.SPARSE_REFRESH.check(refreshSteps);
        String maskKey = TrainerSettings.SPARSE_MASK.key();
        String sparsityKey = TrainerSettings.SPARSITY.key();
        if (mask != MaskKind.NONE && sparsity == 0) {
            throw new InvalidConfigurationException(sparsityKey, sparsity, "must be in (0, 1) when " + maskKey
                    + "=" + mask + " (0 would train every element: use " + maskKey + "=NONE)");
        }
        if (mask == MaskKind.NONE && sparsity != 0) {
            throw new InvalidConfigurationException(maskKey, mask, "must be MAGNITUDE or RANDOM when "
                    + sparsityKey + "=" + sparsity + " is set");
        }
    }

    /**
     * The preset for {@code trainableTensors} that names every tensor of rank 1 (the biases and LayerNorm weights:
     * BitFit, Ben Zaken et al., ACL 2022) and the head, unless the head moves by its exact gradient.
     */
    public static final String BITFIT = "@bitfit";

    /**
     * The names of {@code model}'s tensors that {@link #trainableTensors} selects, presets expanded, in the model's
     * order: every tensor when the list is empty.
     *
     * @param exactHead whether the head moves by its exact gradient (then {@link #BITFIT} leaves it out)
     */
    public List<String> trainedTensorNames(ModelSpec model, boolean exactHead) {
        List<TensorSpec> specs = model.tensorSpecs();
        Set<Integer> head = new HashSet<>();
        for (int h : model.headTensors()) {
            head.add(h);
        }
        boolean bitfit = trainableTensors.contains(BITFIT);
        List<String> names = new ArrayList<>();
        for (int t = 0; t < specs.size(); t++) {
            String name = specs.get(t).name();
            boolean presetTrains = bitfit && (head.contains(t) ? !exactHead : specs.get(t).rank() == 1);
            if (trainableTensors.isEmpty() || trainableTensors.contains(name) || presetTrains) {
                names.add(name);
            }
        }
        return names;
    }

    /** True when every element of every tensor is trained (records stay format version 1). */
    public boolean dense() {
        return mask == MaskKind.NONE && trainableTensors.isEmpty();
    }
}
