package io.seedflow.core.compute;

import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.LossPair;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;

/** The pure-Java backend: fused paired forward of {@link Mlp}, update through {@link UpdateApplier}. */
public final class CpuBackend implements ComputeBackend {
    private final Mlp mlp;

    public CpuBackend(MlpSpec spec) {
        this.mlp = new Mlp(spec);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public LossPair perturbedLosses(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask) {
        return mlp.perturbedLosses(params, batch, seed, epsilon, mask);
    }

    @Override
    public double loss(ParameterSet params, Batch batch) {
        return mlp.loss(params, batch);
    }

    @Override
    public void applyUpdate(ParameterSet params, UpdateRecord record) {
        UpdateApplier.apply(params, record);
    }
}
