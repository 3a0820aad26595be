package io.seedflow.core.model.encoder;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.PerturbedCopy;
import io.seedflow.core.objective.Objectives;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The compute instance of an {@link EncoderSpec}: fresh weights (the pretrained body and a head from the seed), the
 * forward to mean-pooled sentence embeddings and logits, and the paired perturbed forward of a ZO step.
 *
 * <p>The forward is BERT's (post-LayerNorm blocks, exact-erf GELU, LayerNorm epsilon 1e-12, biased variance), computed
 * on each text's real tokens only: padding never influences real tokens or the pooled mean (in the masked ONNX graph
 * padding keys get float-min added to their attention scores), so skipping it is exactly the masked computation. See
 * {@link EncoderLayers} for the per-text steps and {@link EncoderKernel} for the fixed operation chains that make a
 * text's results independent of its batch, of the thread count and of the CPU's vector width. Layers run text by text
 * in parallel on the current ForkJoinPool. Holds reusable buffers, so one instance serves one calling thread.
 */
public final class EncoderModel implements Model {
    /** Standard deviation of randomly initialised matrices and of the head (BERT's initializer range). */
    static final float INIT_STD = 0.02f;

    /** {@code -Dseedflow.cpu.parallel=false} keeps every pass on the calling thread (as for the MLP). */
    static final boolean PARALLEL = Boolean.parseBoolean(System.getProperty("seedflow.cpu.parallel", "true"));

    private final EncoderSpec spec;
    private final Objective objective;
    private final List<TensorSpec> tensorSpecs;
    private final EncoderKernel kernel;
    private final EncoderLayers layers;
    // reused across calls (hot path: no allocation per step); one instance serves one calling thread
    private final ThreadLocal<EncoderLayers.Scratch> scratch = ThreadLocal.withInitial(EncoderLayers.Scratch::new);
    private final float[][] blockPlain = new float[EncoderSpec.PER_LAYER][];
    private int[] starts = new int[0];
    private int[] counts = new int[0];
    private int total;
    private int maxCount;
    private int[] tokenIds = new int[0];
    private int[] plainRow = new int[0];
    private int[] slotRow = new int[0];
    private float[] x = new float[0];
    private float[] pooledPlus = new float[0];
    private float[] pooledMinus = new float[0];
    private float[] logitsPlus = new float[0];
    private float[] logitsMinus = new float[0];
    // paired pass only, allocated on its first call; one perturbed copy, used by the plus pass, then the minus pass
    private int[] slotOfId;
    private int[] usedIds = new int[0];
    private int distinctIds;
    private float[] type;
    private float[][] norm;
    /** The output of the frozen lowest blocks ({@link #frozenLayers}), shared by both passes of a step. */
    private float[] frozenOutput = new float[0];
    private boolean shareFrozenLayers = true;
    /** {@link #frozenOutput} as {@link #predictBeforeStep} left it: for these weights and batch, once. */
    private ParameterSet keptParams;
    private Batch keptBatch;
    private int keptFrozen;
    private boolean lastHandedOver;
    /** Half a block at a time; before the first block, the used embedding rows (positions, then word rows). */
    private PerturbedWeights blockCopy;
    private PerturbedWeights headCopy;

    public EncoderModel(EncoderSpec spec) {
        this(spec, EncoderKernels.get());
    }

    /** With an explicit kernel (tests compare the vector and scalar kernels). */
    EncoderModel(EncoderSpec spec, EncoderKernel kernel) {
        this(spec, kernel, Objectives.DEFAULT);
    }

    EncoderModel(EncoderSpec spec, EncoderKernel kernel, Objective objective) {
        this.spec = spec;
        this.objective = objective;
        this.tensorSpecs = spec.tensorSpecs();
        this.kernel = kernel;
        this.layers = new EncoderLayers(spec, kernel);
    }

    @Override
    public EncoderSpec spec() {
        return spec;
    }

    @Override
    public Objective objective() {
        return objective;
    }

    /**
     * The pretrained body (or, for a {@code bert-...} spec, matrices and embeddings N(0, 0.02^2) from z under
     * {@code seed}, LayerNorm weights 1, biases 0) and a head N(0, 0.02^2) from z under {@code seed}, bias 0.
     */
    @Override
    public ParameterSet initialize(long seed) {
        ParameterSet p = new ParameterSet(spec.tensorSpecs());
        int head = spec.headTensor();
        if (spec.pretrained() != null) {
            float[][] body = provider(spec).body(spec);
            if (body.length != head) {
                throw new IllegalStateException("pretrained weights '" + spec.pretrained() + "' gave " + body.length
                        + " tensors; the body of " + spec + " has " + head);
            }
            for (int t = 0; t < head; t++) {
                System.arraycopy(body[t], 0, p.tensor(t), 0, p.tensor(t).length);
            }
        } else {
            for (int t = 0; t < head; t++) {
                initRandom(p, t, seed);
            }
        }
        initRandom(p, head, seed);
        return p;
    }

    private static void initRandom(ParameterSet p, int t, long seed) {
        TensorSpec s = p.spec(t);
        float[] x = p.tensor(t);
        if (s.rank() >= 2) {
            PerturbationGenerator.fillScaled(seed, t, x, INIT_STD);
        } else if (s.name().endsWith("norm.weight")) {
            java.util.Arrays.fill(x, 1f);
        }
    }

    private static PretrainedWeightsProvider provider(EncoderSpec spec) {
        for (PretrainedWeightsProvider p : ServiceLoader.load(PretrainedWeightsProvider.class,
                EncoderModel.class.getClassLoader())) {
            if (p.name().equals(spec.pretrained())) {
                return p;
            }
        }
        throw new InvalidConfigurationException("model spec", spec.toText(), "needs the pretrained weights '"
                + spec.pretrained() + "', but no provider of them is on the class path (the seedflow-text module "
                + "provides " + EncoderSpec.MINILM + ")");
    }

    /**
     * Sums of the losses at theta + eps z and theta - eps z (see {@link Model#perturbedLossSums}): the whole plus pass,
     * then the whole minus pass, on the same buffers. Layer by layer, {@link PerturbedWeights} builds the pass's
     * perturbed copy of the block's attention half, the pass runs it on every text, then the same for the feed-forward
     * half, in one buffer the size of the larger half ({@link EncoderLayers#attention}: a text's state between the
     * halves is its rows of x, so this is the chain of running the whole block text by text). {@code embeddings.word}
     * and {@code embeddings.position} are perturbed only in the rows the batch uses (z for elements
     * [row * hidden, row * hidden + hidden)): the other rows cannot change the losses; their copy lies in the same
     * buffer, which the blocks do not use yet.
     *
     * <p>Why one pass after the other, not both at once: training then holds one perturbed copy (half a block, the
     * used embedding rows in the same buffer) and no second activation buffer on top of what serving holds (measured
     * with {@code EncoderFootprintBenchmark}: both at once needed 1.24x serving's heap for MiniLM, batch 16 x 128). The
     * price is z generated twice per step (once per sign) for the trained elements the step reads. Every perturbed
     * value is still {@code fma(+-eps, z, w)} and every text's forward the same fixed chain, so the bits do not change
     * (nor with the halves, which took the copy from a whole block, 6.8 MiB for MiniLM, to the feed-forward half's
     * 4.5 MiB).
     * The exact head's input features are the mean-pooled embeddings of each pass; its weight is {@code [in, out]}.
     *
     * <p>When the step trains neither the embeddings nor the lowest blocks (a mask whose first tensor is in a higher
     * block or the head), their output is the same in both passes: it is computed once, by the same operations on the
     * same values (their perturbed copies are the weights themselves), kept, and each pass runs on from it. Same bits;
     * costs one activation buffer ({@code total tokens x hidden} floats) while such steps run.
     */
    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask,
            HeadGradient head) {
        prepare(params, batch, true);
        int n = batch.size();
        int c = spec.classes();
        int frozen = frozenLayers(mask);
        boolean handedOver = frozen >= 0 && keptParams == params && keptBatch == batch && keptFrozen == frozen;
        keptParams = null;
        keptBatch = null;
        lastHandedOver = handedOver;
        if (frozen >= 0 && !handedOver) { // the same values both passes would compute first, computed once
            frozenBlocks(params, mask, n, frozen);
        }
        perturbedPass(params, seed, epsilon, mask, n, frozen, pooledPlus, logitsPlus);
        if (head != null) {
            head.add(objective, pooledPlus, spec.hidden(), logitsPlus, batch.targets(), c, n, true);
        }
        perturbedPass(params, seed, -epsilon, mask, n, frozen, pooledMinus, logitsMinus);
        if (head != null) {
            head.add(objective, pooledMinus, spec.hidden(), logitsMinus, batch.targets(), c, n, true);
        }
        return new LossSums(objective.lossSum(logitsPlus, c, batch.targets(), n),
                objective.lossSum(logitsMinus, c, batch.targets(), n), n);
    }

    /**
     * The embeddings and the frozen lowest blocks into {@code x}, and kept in {@link #frozenOutput}. Their copies are
     * the weights themselves (a frozen tensor is not perturbed), whatever the seed and sign.
     */
    private void frozenBlocks(ParameterSet params, UpdateMask mask, int n, int frozen) {
        embed(params, 0L, 0f, mask, n);
        runBlocks(params, 0L, 0f, mask, n, 0, frozen);
        int size = total * spec.hidden();
        if (frozenOutput.length < size) {
            frozenOutput = new float[size];
        }
        System.arraycopy(x, 0, frozenOutput, 0, size);
    }

    /**
     * The predictions of the unperturbed weights, by {@link #frozenBlocks} (kept for the step that follows on these
     * weights and this batch) and then the plain upper blocks: the same values as {@link #predict}, bit for bit.
     */
    @Override
    public int[] predictBeforeStep(ParameterSet params, Batch batch, int firstTrainedTensor) {
        keptParams = null;
        keptBatch = null;
        int frozen = frozenLayers(firstTrainedTensor);
        if (frozen < 0) {
            return predict(params, batch);
        }
        logitsBeforeStep(params, batch, frozen);
        int n = batch.size();
        int[] predicted = new int[n];
        for (int e = 0; e < n; e++) {
            predicted[e] = objective.predict(logitsPlus, spec.classes(), n, e);
        }
        keptParams = params;
        keptBatch = batch;
        keptFrozen = frozen;
        return predicted;
    }

    /** Whether {@code step} (a call of {@link #perturbedLossSums}) reused what a prediction kept; for tests. */
    boolean reusedPrediction(Runnable step) {
        step.run();
        return lastHandedOver;
    }

    /** The logits of the unperturbed weights, the {@code frozen} lowest blocks kept (tests compare the bits). */
    float[] logitsBeforeStep(ParameterSet params, Batch batch, int frozen) {
        prepare(params, batch, true);
        int n = batch.size();
        UpdateMask above = new UpdateMask(List.of(TensorMask.dense(
                frozen < spec.layers() ? spec.layerTensor(frozen) : spec.headTensor())));
        frozenBlocks(params, above, n, frozen);
        for (int l = frozen; l < spec.layers(); l++) {
            int first = spec.layerTensor(l);
            for (int j = 0; j < EncoderSpec.PER_LAYER; j++) {
                blockPlain[j] = params.tensor(first + j);
            }
            forEach(n, e -> layers.block(blockPlain, EncoderLayers.AT_START, x, starts[e], counts[e], scratch.get()));
        }
        pool(x, pooledPlus, n);
        int head = spec.headTensor();
        layers.head(pooledPlus, n, params.tensor(head), 0, params.tensor(head + 1), 0, logitsPlus);
        return logitsPlus;
    }

    /**
     * How many of the lowest blocks the step does not train, the embeddings frozen too (so the output of those blocks
     * is the same in both passes); -1 when the embeddings are trained (or sharing is off, for tests).
     */
    public int frozenLayers(UpdateMask mask) {
        return mask == null ? -1 : frozenLayers(mask.tensors().get(0).tensor());
    }

    private int frozenLayers(int firstTrained) {
        if (!shareFrozenLayers || firstTrained < spec.layerTensor(0)) {
            return -1;
        }
        int l = 0;
        while (l < spec.layers() && spec.layerTensor(l) + EncoderSpec.PER_LAYER <= firstTrained) {
            l++;
        }
        return l;
    }

    /** Tests and benchmarks compare the step with and without sharing the frozen blocks' output (the same bits). */
    public void shareFrozenLayers(boolean share) {
        shareFrozenLayers = share;
    }

    /**
     * The forward at theta + s z ({@code s} = +eps or -eps) to the pooled embeddings and logits of the batch; from the
     * output of the {@code frozen} lowest blocks computed before, where {@code frozen >= 0}.
     */
    private void perturbedPass(ParameterSet params, long seed, float s, UpdateMask mask, int n, int frozen,
            float[] pooled, float[] logits) {
        if (frozen >= 0) {
            System.arraycopy(frozenOutput, 0, x, 0, total * spec.hidden());
        } else {
            embed(params, seed, s, mask, n);
        }
        runBlocks(params, seed, s, mask, n, Math.max(frozen, 0), spec.layers());
        headCopy.perturb(params, spec.headTensor(), 0, 2, seed, s, mask);
        pool(x, pooled, n);
        layers.head(pooled, n, headCopy.weights[0], headCopy.offsets[0], headCopy.weights[1], headCopy.offsets[1],
                logits);
    }

    /** The embeddings at theta + s z into {@code x}. */
    private void embed(ParameterSet params, long seed, float s, UpdateMask mask, int n) {
        float[] rows = perturbEmbeddings(params, seed, s, mask);
        forEach(n, e -> layers.embed(rows, slotRow, starts[e], counts[e], rows, type, norm[0], norm[1], x));
    }

    /** Blocks {@code from .. to - 1} at theta + s z on {@code x}, half a block at a time. */
    private void runBlocks(ParameterSet params, long seed, float s, UpdateMask mask, int n, int from, int to) {
        float[][] w = blockCopy.weights;
        int[] o = blockCopy.offsets;
        int ff = EncoderLayers.FEED_FORWARD;
        for (int l = from; l < to; l++) {
            int first = spec.layerTensor(l);
            blockCopy.perturb(params, first, 0, ff, seed, s, mask);
            forEach(n, e -> layers.attention(w, o, x, starts[e], counts[e], scratch.get()));
            blockCopy.perturb(params, first, ff, EncoderSpec.PER_LAYER, seed, s, mask);
            forEach(n, e -> layers.feedForward(w, o, x, starts[e], counts[e], scratch.get()));
        }
    }

    @Override
    public float[] logits(ParameterSet params, Batch batch) {
        forward(params, batch);
        int head = spec.headTensor();
        layers.head(pooledPlus, batch.size(), params.tensor(head), 0, params.tensor(head + 1), 0, logitsPlus);
        return logitsPlus;
    }

    /** The plain forward's loss; the exact head's input features are its mean-pooled embeddings. */
    @Override
    public double lossSum(ParameterSet params, Batch batch, HeadGradient head) {
        float[] logits = logits(params, batch);
        int n = batch.size();
        if (head != null) {
            head.add(objective, pooledPlus, spec.hidden(), logits, batch.targets(), spec.classes(), n, true);
        }
        return objective.lossSum(logits, spec.classes(), batch.targets(), n);
    }

    /**
     * Mean-pooled sentence embeddings (the encoder's output before the head), row-major {@code [size, hidden]}: row n
     * is the mean over text n's real tokens of the last block's output. Only real tokens are computed (see
     * {@link EncoderLayers}); a text's row does not depend on its padding, on the other texts of the batch or on the
     * thread count. Returns a new array.
     */
    public float[] embeddings(ParameterSet params, Batch batch) {
        forward(params, batch);
        return Arrays.copyOf(pooledPlus, batch.size() * spec.hidden());
    }

    /** The plain forward up to the pooled embeddings, left in {@code pooledPlus}. */
    private void forward(ParameterSet params, Batch batch) {
        prepare(params, batch, false);
        int n = batch.size();
        forEach(n, e -> layers.embed(params.tensor(0), plainRow, starts[e], counts[e], params.tensor(1),
                params.tensor(2), params.tensor(3), params.tensor(4), x));
        for (int l = 0; l < spec.layers(); l++) {
            int first = spec.layerTensor(l);
            for (int j = 0; j < EncoderSpec.PER_LAYER; j++) {
                blockPlain[j] = params.tensor(first + j);
            }
            forEach(n, e -> layers.block(blockPlain, EncoderLayers.AT_START, x, starts[e], counts[e], scratch.get()));
        }
        pool(x, pooledPlus, n);
    }

    /** Name of the kernel in use ("vector" or "scalar"), for logs and benchmarks. */
    public String kernelName() {
        return kernel.name();
    }

    private void pool(float[] x, float[] pooled, int n) {
        double[] acc = new double[spec.hidden()];
        for (int e = 0; e < n; e++) {
            layers.meanPool(x, starts[e], counts[e], pooled, e * spec.hidden(), acc);
        }
    }

    /**
     * The perturbed copy (theta + s z) of the embedding rows in use, in the block copy's buffer, which it returns:
     * positions 0 .. maxCount - 1 from index 0, then the batch's distinct word rows (compact: the word row of token t
     * at slotRow[t]).
     */
    private float[] perturbEmbeddings(ParameterSet params, long seed, float s, UpdateMask mask) {
        int h = spec.hidden();
        int rows = distinctIds;
        int wordBase = maxCount * h;
        float[] buf = blockCopy.buffer(wordBase + rows * h);
        forEach(rows, r -> PerturbedCopy.range(params.tensor(0), 0, UpdateMask.of(mask, 0), usedIds[r] * h, h,
                seed, s, buf, wordBase + r * h));
        PerturbedCopy.range(params.tensor(1), 1, UpdateMask.of(mask, 1), 0, wordBase, seed, s, buf, 0);
        PerturbedCopy.range(params.tensor(2), 2, UpdateMask.of(mask, 2), 0, h, seed, s, type, 0);
        for (int j = 0; j < 2; j++) {
            PerturbedCopy.range(params.tensor(3 + j), 3 + j, UpdateMask.of(mask, 3 + j), 0, h, seed, s, norm[j], 0);
        }
        return buf;
    }

    /**
     * The batch's distinct token ids in order of first use ({@code usedIds}) and each token's row in the copy (after
     * the maxCount position rows, see {@link #perturbEmbeddings}).
     */
    private void compactRows() {
        int h = spec.hidden();
        int wordBase = maxCount * h;
        int distinct = 0;
        for (int t = 0; t < total; t++) {
            int id = tokenIds[t];
            if (slotOfId[id] < 0) {
                slotOfId[id] = distinct;
                usedIds[distinct++] = id;
            }
            slotRow[t] = wordBase + slotOfId[id] * h;
        }
        for (int r = 0; r < distinct; r++) {
            slotOfId[usedIds[r]] = -1;
        }
        distinctIds = distinct;
    }

    /** Checks the layout and the batch; lays the batch's real tokens out back to back; sizes the buffers. */
    private void prepare(ParameterSet params, Batch batch, boolean paired) {
        if (!params.specs().equals(tensorSpecs)) {
            throw new TensorShapeMismatchException("model " + spec + " needs tensors " + tensorSpecs + " but got "
                    + params.specs());
        }
        if (batch.inputKind() != InputKind.TOKENS) {
            throw new TensorShapeMismatchException("model " + spec + " takes token batches, got a "
                    + batch.inputKind() + " batch; tokenize the texts first");
        }
        if (batch.featureCount() > spec.positions()) {
            throw new TensorShapeMismatchException("model " + spec + " has " + spec.positions()
                    + " positions, but the batch is padded to " + batch.featureCount() + " tokens; cut the texts");
        }
        int n = batch.size();
        int width = batch.featureCount();
        if (starts.length < n) {
            starts = new int[n];
            counts = new int[n];
        }
        total = 0;
        maxCount = 0;
        for (int e = 0; e < n; e++) {
            starts[e] = total;
            counts[e] = batch.tokenCounts()[e];
            total += counts[e];
            maxCount = Math.max(maxCount, counts[e]);
        }
        int h = spec.hidden();
        if (tokenIds.length < total) {
            tokenIds = new int[total];
            plainRow = new int[total];
            slotRow = new int[total];
        }
        for (int e = 0; e < n; e++) {
            for (int t = 0; t < counts[e]; t++) {
                int id = batch.tokenIds()[e * width + t];
                if (id < 0 || id >= spec.vocab()) {
                    throw new TensorShapeMismatchException("text " + e + " of the batch has token id " + id
                            + " at position " + t + "; the vocabulary of " + spec + " is 0.." + (spec.vocab() - 1));
                }
                tokenIds[starts[e] + t] = id;
                plainRow[starts[e] + t] = id * h;
            }
        }
        if (x.length < total * h) {
            x = new float[total * h];
        }
        if (pooledPlus.length < n * h) {
            pooledPlus = new float[n * h];
            pooledMinus = new float[n * h];
        }
        if (logitsPlus.length != n * spec.classes()) {
            logitsPlus = new float[n * spec.classes()];
            logitsMinus = new float[n * spec.classes()];
        }
        if (paired) {
            if (slotOfId == null) {
                slotOfId = new int[spec.vocab()];
                Arrays.fill(slotOfId, -1);
                blockCopy = new PerturbedWeights(PerturbedWeights.sizes(params, spec.layerTensor(0),
                        EncoderSpec.PER_LAYER), 0, EncoderLayers.FEED_FORWARD, EncoderSpec.PER_LAYER);
                headCopy = new PerturbedWeights(PerturbedWeights.sizes(params, spec.headTensor(), 2), 0, 2);
                type = new float[h];
                norm = new float[2][h];
            }
            if (usedIds.length < total) {
                usedIds = new int[total];
            }
            compactRows();
            // the embedding rows go to the block copy's buffer, grown only when a batch needs more than half a block
            blockCopy.buffer((maxCount + distinctIds) * h);
        }
    }

    /**
     * Runs {@code task(0 .. count-1)} on the current ForkJoinPool (the common pool, or the pool the caller runs in);
     * on the calling thread alone with {@code -Dseedflow.cpu.parallel=false}. Tasks write disjoint outputs and every
     * output is a fixed chain of operations, so results do not depend on the number of threads.
     */
    static void forEach(int count, IntConsumer task) {
        if (!PARALLEL || count <= 1) {
            for (int i = 0; i < count; i++) {
                task.accept(i);
            }
        } else {
            IntStream.range(0, count).parallel().forEach(task);
        }
    }
}
