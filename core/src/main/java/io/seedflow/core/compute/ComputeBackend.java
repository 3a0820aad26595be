package io.seedflow.core.compute;

import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;

/**
 * Where a trainer's forward passes and update applications run (CPU here; the GPU backend lives in gpu-ops).
 * Lifecycle: create for one model spec, call {@link #perturbedLossSums} and {@link #applyUpdate} in step order from
 * one thread, {@link #close} at the end. {@link #applyUpdate} must produce exactly the bits of
 * {@link io.seedflow.core.log.UpdateApplier}: replicas on any backend depend on it.
 */
public interface ComputeBackend extends AutoCloseable {
    /** Short name for logs and metrics, e.g. "cpu". */
    String name();

    /** The model this backend computes (its tensors and their roles). */
    ModelSpec spec();

    /**
     * Sums over the batch of L(theta + eps z) and L(theta - eps z) for direction z of {@code seed} restricted to the
     * elements {@code mask} trains (null = every element), the mask evaluated from the unperturbed theta inside the
     * pass (spec §6.2), never stored; theta is not modified.
     */
    LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask);

    /**
     * As above, also adding the exact head gradient at both passes to {@code head} (null = none); see
     * {@link io.seedflow.core.model.Model#perturbedLossSums(ParameterSet, Batch, long, float, UpdateMask, HeadGradient)}.
     */
    default LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask,
            HeadGradient head) {
        if (head == null) {
            return perturbedLossSums(params, batch, seed, epsilon, mask);
        }
        throw new UnsupportedOperationException("the " + name() + " backend cannot compute an exact-gradient head");
    }

    /**
     * {@link io.seedflow.core.model.Model#predictBeforeStep} on this backend's model, so that its next step can reuse
     * what the prediction computed; null where the backend does not (the caller predicts on its own model).
     */
    default int[] predictBeforeStep(ParameterSet params, Batch batch, int firstTrainedTensor) {
        return null;
    }

    /** Sum over the batch of the loss of the unperturbed weights (the conservative variant compares against it). */
    double lossSum(ParameterSet params, Batch batch);

    /** Applies a record to the weights in place, bit-identical to {@link io.seedflow.core.log.UpdateApplier}. */
    void applyUpdate(ParameterSet params, UpdateRecord record);

    @Override
    default void close() {
    }
}
