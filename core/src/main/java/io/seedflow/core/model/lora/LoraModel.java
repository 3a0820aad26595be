package io.seedflow.core.model.lora;

import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.PerturbedCopy;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.snapshot.FrozenBases;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.FrozenBase;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The compute instance of a {@link LoraSpec}: the inner model run on its frozen base with each adapted matrix read as
 * {@code W + A B}. An element of the merged matrix is one fma chain in a fixed order, {@code w}, then
 * {@code + a_k b_k} for k = 0 .. rank - 1, so it does not depend on threads or machines. A perturbed pass perturbs the
 * trained adapters (and the head, unless the exact head trains it) by {@code fma(s, z, w)} with the spec's tensor
 * indices ({@link PerturbedCopy}), merges, and runs the inner model's plain pass on the result; theta is never written.
 * One instance serves one thread.
 */
final class LoraModel implements Model {
    private final LoraSpec spec;
    private final Model inner;
    private final List<TensorSpec> innerSpecs;
    private final int[] adapted;
    private final int[] innerHead;
    private final int[] baseOfInner;
    private final int rank;
    /** The merged matrices (one per adapted matrix) and the perturbed copies of the trainable tensors, reused. */
    private float[][] merged;
    private float[][] copies;

    LoraModel(LoraSpec spec, Model inner) {
        this.spec = spec;
        this.inner = inner;
        this.innerSpecs = spec.inner().tensorSpecs();
        this.adapted = spec.adapted();
        this.innerHead = spec.innerHead();
        this.baseOfInner = spec.baseOfInner();
        this.rank = spec.rank();
    }

    @Override
    public LoraSpec spec() {
        return spec;
    }

    @Override
    public Objective objective() {
        return inner.objective();
    }

    /**
     * The inner model's fresh weights from {@code seed}: everything but its head becomes the frozen base (its id
     * computed here, once per process for the same weights), its head the trainable head; each A is N(0, 1 / d0) from z
     * under {@code seed} at A's tensor index, each B is 0.
     */
    @Override
    public ParameterSet initialize(long seed) {
        ParameterSet innerParams = inner.initialize(seed);
        float[][] base = new float[baseOfInner.length][];
        for (int k = 0; k < base.length; k++) {
            base[k] = innerParams.tensor(baseOfInner[k]);
        }
        FrozenBase frozen = FrozenBases.of(ParameterSet.wrap(spec.frozenBase(), base));
        ParameterSet p = new ParameterSet(spec.tensorSpecs()).withBase(frozen);
        for (int k = 0; k < adapted.length; k++) {
            int d0 = innerSpecs.get(adapted[k]).shape()[0];
            PerturbationGenerator.fillScaled(seed, 2 * k, p.tensor(2 * k), (float) Math.sqrt(1.0 / d0));
        }
        for (int h = 0; h < innerHead.length; h++) {
            float[] src = innerParams.tensor(innerHead[h]);
            System.arraycopy(src, 0, p.tensor(2 * adapted.length + h), 0, src.length);
        }
        return p;
    }

    /** Both passes one after the other, each on the merged weights of its perturbed adapters. */
    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask,
            HeadGradient head) {
        check(params);
        double[] sums = new double[2];
        for (int pass = 0; pass < 2; pass++) {
            float s = pass == 0 ? epsilon : -epsilon;
            float[][] trainable = perturbed(params, seed, s, mask);
            sums[pass] = inner.lossSum(innerView(params.base(), trainable), batch, head);
        }
        return new LossSums(sums[0], sums[1], batch.size());
    }

    @Override
    public float[] logits(ParameterSet params, Batch batch) {
        check(params);
        float[][] trainable = new float[params.size()][];
        for (int t = 0; t < trainable.length; t++) {
            trainable[t] = params.tensor(t);
        }
        return inner.logits(innerView(params.base(), trainable), batch);
    }

    /** The trainable tensors as a pass reads them: theta where the mask freezes a tensor, else fma(s, z, w). */
    private float[][] perturbed(ParameterSet params, long seed, float s, UpdateMask mask) {
        if (copies == null) {
            copies = new float[params.size()][];
            for (int t = 0; t < copies.length; t++) {
                copies[t] = new float[params.tensor(t).length];
            }
        }
        float[][] read = new float[params.size()][];
        for (int t = 0; t < read.length; t++) {
            float[] w = params.tensor(t);
            TensorMask m = UpdateMask.of(mask, t);
            if (m == null) {
                read[t] = w;
            } else {
                int tensor = t;
                float[] out = copies[t];
                IntStream.range(0, (w.length + PerturbedCopy.CHUNK - 1) / PerturbedCopy.CHUNK).parallel()
                        .forEach(c -> {
                            int from = c * PerturbedCopy.CHUNK;
                            PerturbedCopy.range(w, tensor, m, from, Math.min(PerturbedCopy.CHUNK, w.length - from),
                                    seed, s, out, from);
                        });
                read[t] = out;
            }
        }
        return read;
    }

    /** The inner model's tensors: the base, each adapted matrix merged with its adapters, the head. */
    private ParameterSet innerView(FrozenBase base, float[][] trainable) {
        float[][] view = new float[innerSpecs.size()][];
        for (int k = 0; k < baseOfInner.length; k++) {
            view[baseOfInner[k]] = base.tensors().tensor(k);
        }
        if (merged == null) {
            merged = new float[adapted.length][];
            for (int k = 0; k < adapted.length; k++) {
                merged[k] = new float[view[adapted[k]].length];
            }
        }
        for (int k = 0; k < adapted.length; k++) {
            int[] shape = innerSpecs.get(adapted[k]).shape();
            merge(view[adapted[k]], trainable[2 * k], trainable[2 * k + 1], shape[0], shape[1], merged[k]);
            view[adapted[k]] = merged[k];
        }
        for (int h = 0; h < innerHead.length; h++) {
            view[innerHead[h]] = trainable[2 * adapted.length + h];
        }
        return ParameterSet.wrap(innerSpecs, view);
    }

    /** out = w + a b, a {@code [d0, rank]}, b {@code [rank, d1]}: per element w, then + a_k b_k for k in order. */
    private void merge(float[] w, float[] a, float[] b, int d0, int d1, float[] out) {
        IntStream.range(0, d0).parallel().forEach(i -> {
            int row = i * d1;
            System.arraycopy(w, row, out, row, d1);
            for (int k = 0; k < rank; k++) {
                float aik = a[i * rank + k];
                int bk = k * d1;
                for (int o = 0; o < d1; o++) {
                    out[row + o] = Math.fma(aik, b[bk + o], out[row + o]);
                }
            }
        });
    }

    private void check(ParameterSet params) {
        if (!params.specs().equals(spec.tensorSpecs())) {
            throw new TensorShapeMismatchException("model " + spec + " needs tensors " + spec.tensorSpecs()
                    + " but got " + params.specs());
        }
        if (params.base() == null || !params.base().tensors().specs().equals(spec.frozenBase())) {
            throw new TensorShapeMismatchException("model " + spec + " needs its frozen base of "
                    + spec.frozenBase().size() + " tensors beside its weights, got "
                    + (params.base() == null ? "none" : params.base()));
        }
    }
}
