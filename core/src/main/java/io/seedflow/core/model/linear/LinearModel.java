package io.seedflow.core.model.linear;

import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.PerturbedCopy;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;

/**
 * The compute instance of a {@link LinearSpec}. Every logit is one fma chain in a fixed order, {@code b_c} then
 * {@code + w_ci x_i} for i = 0, 1, ..., so an example's outputs do not depend on the rest of its batch and every
 * machine gets the same bits. A perturbed pass reads a copy {@code fma(s, z, w)} of each trained tensor, z from
 * {@link PerturbationGenerator} (seed, tensor, element), zeroed where the step's mask freezes the element (evaluated
 * on the unperturbed weights); theta is never written. Holds its buffers: one instance serves one thread.
 */
final class LinearModel implements Model {
    private final LinearSpec spec;
    private final Objective objective;
    private float[] weightCopy;
    private float[] biasCopy;
    private float[] logits = new float[0];

    LinearModel(LinearSpec spec, Objective objective) {
        this.spec = spec;
        this.objective = objective;
    }

    @Override
    public LinearSpec spec() {
        return spec;
    }

    @Override
    public Objective objective() {
        return objective;
    }

    /** Weights N(0, 1 / inputs) from z under {@code seed} (tensor 0), bias 0. */
    @Override
    public ParameterSet initialize(long seed) {
        ParameterSet p = new ParameterSet(spec.tensorSpecs());
        PerturbationGenerator.fillScaled(seed, 0, p.tensor(0), (float) Math.sqrt(1.0 / spec.inputs()));
        return p;
    }

    @Override
    public float[] logits(ParameterSet params, Batch batch) {
        check(params, batch);
        return forward(params.tensor(0), params.tensor(1), batch, buffer(batch.size()));
    }

    /** The exact head is the whole model: its input features are the batch's features. */
    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask,
            HeadGradient head) {
        check(params, batch);
        int n = batch.size();
        int c = spec.classes();
        double[] sums = new double[2];
        for (int pass = 0; pass < 2; pass++) {
            float s = pass == 0 ? epsilon : -epsilon;
            weightCopy = sized(weightCopy, 0, params);
            biasCopy = sized(biasCopy, 1, params);
            float[] w = perturbed(params, 0, UpdateMask.of(mask, 0), seed, s, weightCopy);
            float[] b = perturbed(params, 1, UpdateMask.of(mask, 1), seed, s, biasCopy);
            float[] out = forward(w, b, batch, buffer(n));
            sums[pass] = objective.lossSum(out, c, batch.targets(), n);
            if (head != null) {
                head.add(objective, batch.features(), spec.inputs(), out, batch.targets(), c, n, false);
            }
        }
        return new LossSums(sums[0], sums[1], n);
    }

    private float[] forward(float[] w, float[] b, Batch batch, float[] out) {
        int n = batch.size();
        int in = spec.inputs();
        float[] x = batch.features();
        for (int e = 0; e < n; e++) {
            for (int c = 0; c < spec.classes(); c++) {
                float acc = b[c];
                int row = c * in;
                for (int i = 0; i < in; i++) {
                    acc = Math.fma(w[row + i], x[e * in + i], acc);
                }
                out[c * n + e] = acc;
            }
        }
        return out;
    }

    /** Tensor t as a pass reads it: theta itself when frozen ({@code mask} null), else fma(s, z, w) into copy. */
    private float[] perturbed(ParameterSet params, int t, TensorMask mask, long seed, float s, float[] copy) {
        float[] w = params.tensor(t);
        if (mask == null) {
            return w;
        }
        PerturbedCopy.range(w, t, mask, 0, w.length, seed, s, copy, 0);
        return copy;
    }

    private static float[] sized(float[] buffer, int t, ParameterSet params) {
        int length = params.tensor(t).length;
        return buffer != null && buffer.length == length ? buffer : new float[length];
    }

    private float[] buffer(int n) {
        if (logits.length != n * spec.classes()) {
            logits = new float[n * spec.classes()];
        }
        return logits;
    }

    private void check(ParameterSet params, Batch batch) {
        if (!params.specs().equals(spec.tensorSpecs())) {
            throw new TensorShapeMismatchException("model " + spec + " needs tensors " + spec.tensorSpecs()
                    + " but got " + params.specs());
        }
        if (batch.features() == null || batch.featureCount() != spec.inputs()) {
            throw new TensorShapeMismatchException("model " + spec + " expects " + spec.inputs()
                    + " dense features per example, got " + (batch.features() == null ? "token ids"
                    : batch.featureCount() + " features"));
        }
    }
}
