package io.seedflow.core.model;

import io.seedflow.core.objective.Objectives;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.List;

/**
 * A multilayer perceptron classifier over {@link ParameterSet}s laid out by {@link MlpSpec}: plain forward,
 * evaluation, and the fused paired perturbed forward of a ZO step. Holds reusable activation buffers, so one
 * instance serves one thread. Activations are blocked by 32 examples (see {@link DenseKernel}).
 */
public final class Mlp implements Model {
    private final MlpSpec spec;
    private final Objective objective;
    private final List<TensorSpec> tensorSpecs;
    private int bufferBatch = -1;
    private float[] input;
    private float[][] plus;
    private float[][] minus;
    private float[] logitsPlus;
    private float[] logitsMinus;

    public Mlp(MlpSpec spec) {
        this(spec, Objectives.DEFAULT);
    }

    public Mlp(MlpSpec spec, Objective objective) {
        this.spec = spec;
        this.objective = objective;
        this.tensorSpecs = spec.tensorSpecs();
    }

    @Override
    public MlpSpec spec() {
        return spec;
    }

    @Override
    public Objective objective() {
        return objective;
    }

    /** Fresh parameters: He-normal weights (std sqrt(2/in)) from z under {@code seed}, zero biases. */
    @Override
    public ParameterSet initialize(long seed) {
        ParameterSet p = new ParameterSet(spec.tensorSpecs());
        for (int l = 0; l < spec.layerCount(); l++) {
            PerturbationGenerator.fillScaled(seed, 2 * l, p.tensor(2 * l), (float) Math.sqrt(2.0 / spec.width(l)));
        }
        return p;
    }

    @Override
    public float[] logits(ParameterSet params, Batch batch) {
        prepare(params, batch);
        float[] x = input;
        for (int l = 0; l < spec.layerCount(); l++) {
            DenseKernel.forward(layer(params, l, batch.size(), null), x, plus[l], null, null, 0L, 0f);
            x = plus[l];
        }
        return unblock(x, batch.size(), logitsPlus);
    }

    /** The plain pass's loss; the exact head's input features are the last hidden activations. */
    @Override
    public double lossSum(ParameterSet params, Batch batch, HeadGradient head) {
        float[] logits = logits(params, batch);
        int c = spec.classes();
        int n = batch.size();
        if (head != null) {
            int last = spec.layerCount() - 1;
            int width = spec.width(last);
            head.add(objective, rows(last == 0 ? input : plus[last - 1], n, width), width, logits, batch.targets(),
                    c, n, false);
        }
        return objective.lossSum(logits, c, batch.targets(), n);
    }

    /** Mean loss of the batch ({@link #lossSum} / size). */
    public double loss(ParameterSet params, Batch batch) {
        return lossSum(params, batch) / batch.size();
    }

    /**
     * Both passes share one sweep over the weights and one generation of z (generated in the weight tile): frozen
     * tensors are not perturbed, masked-out elements get z = 0, the mask evaluated from the unperturbed weights.
     */
    /** The exact head is the last layer: its input features are the last hidden activations of each pass. */
    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask,
            HeadGradient head) {
        prepare(params, batch);
        float[] xp = input;
        float[] xm = input;
        for (int l = 0; l < spec.layerCount(); l++) {
            DenseKernel.forward(layer(params, l, batch.size(), mask), xp, plus[l], xm, minus[l], seed, epsilon);
            xp = plus[l];
            xm = minus[l];
        }
        int c = spec.classes();
        int n = batch.size();
        LossSums sums = new LossSums(objective.lossSum(unblock(xp, n, logitsPlus), c, batch.targets(), n),
                objective.lossSum(unblock(xm, n, logitsMinus), c, batch.targets(), n), n);
        if (head != null) {
            int last = spec.layerCount() - 1;
            int width = spec.width(last);
            head.add(objective, rows(last == 0 ? input : plus[last - 1], n, width), width, logitsPlus,
                    batch.targets(), c, n, false);
            head.add(objective, rows(last == 0 ? input : minus[last - 1], n, width), width, logitsMinus,
                    batch.targets(), c, n, false);
        }
        return sums;
    }

    /** Row-major copy ({@code [n][width]}) of blocked activations ({@code [block][width][32]}). */
    private static float[] rows(float[] blocked, int n, int width) {
        int mb = DenseKernel.MB;
        float[] out = new float[n * width];
        for (int e = 0; e < n; e++) {
            int base = (e / mb) * width * mb + (e % mb);
            for (int i = 0; i < width; i++) {
                out[e * width + i] = blocked[base + i * mb];
            }
        }
        return out;
    }

    /** Accuracy and loss over {@code count} examples of a row-major feature array, in chunks of {@code chunk}. */
    public Evaluation evaluate(ParameterSet params, float[] features, int[] labels, int count, int chunk) {
        return evaluate(params, new LabeledDataset("evaluation", features, labels, count, spec.inputs(),
                spec.classes()), count, chunk);
    }

    /** The objective's class probabilities of one example (for serving). */
    public float[] probabilities(ParameterSet params, float[] features) {
        return probabilities(params, features, 1)[0];
    }

    /**
     * Softmax probabilities of {@code count} examples whose features are row-major ({@code features[n * inputs + i]}),
     * one row of {@link MlpSpec#classes()} values per example (for serving). An example's probabilities do not depend
     * on the other examples of the call: every output is one fma chain in a fixed order per example (see
     * {@link DenseKernel}), so a batch gives the same bits as one call per example.
     */
    public float[][] probabilities(ParameterSet params, float[] features, int count) {
        return probabilities(params, new Batch(features, new int[count], count, spec.inputs()));
    }

    DenseKernel.Layer layer(ParameterSet params, int l, int batch, UpdateMask mask) {
        Activation act = l < spec.layerCount() - 1 ? spec.activation() : null;
        return new DenseKernel.Layer(params.tensor(2 * l), params.tensor(2 * l + 1), spec.width(l), spec.width(l + 1),
                DenseKernel.blocks(batch), act, 2 * l, 2 * l + 1, UpdateMask.of(mask, 2 * l),
                UpdateMask.of(mask, 2 * l + 1));
    }

    /** Copies blocked logits ({@code [block][class][32]}) into class-major {@code out[c * batch + n]}. */
    private float[] unblock(float[] blocked, int batch, float[] out) {
        int c = spec.classes();
        int mb = DenseKernel.MB;
        for (int n = 0; n < batch; n++) {
            int base = (n / mb) * c * mb + (n % mb);
            for (int k = 0; k < c; k++) {
                out[k * batch + n] = blocked[base + k * mb];
            }
        }
        return out;
    }

    /** Name of the tile kernel in use ("vector" or "scalar"), for logs and benchmarks. */
    public static String kernelName() {
        return TileKernels.describe();
    }

    /** Checks the layout and transposes the batch into the feature-major input buffer. */
    void prepare(ParameterSet params, Batch batch) {
        if (!params.specs().equals(tensorSpecs)) {
            throw new TensorShapeMismatchException("model " + spec + " needs tensors " + tensorSpecs + " but got "
                    + params.specs());
        }
        if (batch.featureCount() != spec.inputs()) {
            throw new TensorShapeMismatchException("model " + spec + " expects " + spec.inputs()
                    + " features per example, got " + batch.featureCount());
        }
        int n = batch.size();
        int mb = DenseKernel.MB;
        int blocks = DenseKernel.blocks(n);
        if (n != bufferBatch) {
            input = new float[blocks * spec.inputs() * mb];
            plus = new float[spec.layerCount()][];
            minus = new float[spec.layerCount()][];
            for (int l = 0; l < spec.layerCount(); l++) {
                plus[l] = new float[blocks * spec.width(l + 1) * mb];
                minus[l] = new float[blocks * spec.width(l + 1) * mb];
            }
            logitsPlus = new float[spec.classes() * n];
            logitsMinus = new float[spec.classes() * n];
            bufferBatch = n;
        }
        int f = spec.inputs();
        float[] src = batch.features();
        for (int e = 0; e < n; e++) {
            int so = e * f;
            int base = (e / mb) * f * mb + (e % mb);
            for (int i = 0; i < f; i++) {
                input[base + i * mb] = src[so + i];
            }
        }
        // padding lanes of the last block stay zero: buffers are fresh per batch size and only real lanes are written
    }

}
