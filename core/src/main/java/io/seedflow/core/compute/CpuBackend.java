package io.seedflow.core.compute;

import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;

/** The pure-Java backend: the family's own fused paired forward ({@link Model}), update through {@link UpdateApplier}. */
public final class CpuBackend implements ComputeBackend {
    private final Model model;

    public CpuBackend(ModelSpec spec) {
        this.model = spec.newModel();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public ModelSpec spec() {
        return model.spec();
    }

    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask) {
        return model.perturbedLossSums(params, batch, seed, epsilon, mask);
    }

    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask,
            HeadGradient head) {
        return model.perturbedLossSums(params, batch, seed, epsilon, mask, head);
    }

    @Override
    public int[] predictBeforeStep(ParameterSet params, Batch batch, int firstTrainedTensor) {
        return model.predictBeforeStep(params, batch, firstTrainedTensor);
    }

    @Override
    public double lossSum(ParameterSet params, Batch batch) {
        return model.lossSum(params, batch);
    }

    @Override
    public void applyUpdate(ParameterSet params, UpdateRecord record) {
        UpdateApplier.apply(params, record);
    }
}
