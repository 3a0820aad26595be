package io.seedflow.core.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoder forward against a double-precision reference ({@link EncoderReference}), and the properties the ZO step
 * relies on: batch and thread independence of every text's bits, the paired pass equal to plain passes on explicitly
 * perturbed weights, masks honoured, theta untouched.
 */
class EncoderModelTest {
    static final String SMALL = "encoder:bert-L2-H32-A4-F64-V100-P16:3:16";
    /**
     * Widths that exercise every kernel path at 512-bit vectors: 4-, 2- and 1-vector panels, scalar tails, inner
     * blocks beyond {@link VectorEncoderKernel#KC} (ffn_out has 232 inputs).
     */
    static final String ODD = "encoder:bert-L1-H80-A5-F232-V50-P24:4:24";

    /** Weights from initialize(seed), matrices scaled up (attention far from uniform, GELU far from linear), and
     * LayerNorm weights and all biases random, so that every tensor matters and none is 0. */
    static ParameterSet params(EncoderModel model, long seed) {
        ParameterSet p = model.initialize(seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int t = 0; t < p.size(); t++) {
            float[] x = p.tensor(t);
            boolean norm = p.spec(t).name().endsWith("norm.weight");
            for (int i = 0; i < x.length; i++) {
                if (p.spec(t).rank() == 2) {
                    x[i] *= 10f;
                } else {
                    x[i] = (float) ((norm ? 1 : 0) + 0.1 * rnd.nextGaussian());
                }
            }
        }
        return p;
    }

    /** Texts of the given token counts, padded to the spec's maxTokens with random (non-zero) ids. */
    static Batch batch(EncoderSpec spec, long seed, int... counts) {
        return io.seedflow.core.model.TestBatches.tokens(spec.vocab(), spec.classes(), spec.maxTokens(), seed, counts);
    }

    /** Text e of {@code from} alone, padded with other ids. */
    static Batch single(Batch from, int e, long padSeed) {
        int width = from.featureCount();
        int[] ids = new SplittableRandom(padSeed).ints(width, 0, 7).toArray();
        System.arraycopy(from.tokenIds(), e * width, ids, 0, from.tokenCounts()[e]);
        return Batch.ofTokens(ids, new int[] {from.tokenCounts()[e]}, new int[] {from.labels()[e]}, width);
    }

    @ParameterizedTest
    @ValueSource(strings = {SMALL, ODD})
    void forwardMatchesTheDoublePrecisionReference(String text) {
        EncoderSpec spec = EncoderSpec.parse(text);
        EncoderModel model = new EncoderModel(spec);
        ParameterSet p = params(model, 5);
        Batch b = batch(spec, 9, spec.maxTokens(), 1, 7, 12, 3);
        double[][] emb = EncoderReference.embeddings(spec, p, b);
        double[][] logits = EncoderReference.logits(spec, p, b);
        float[] got = model.embeddings(p, b).clone();
        float[] gotLogits = model.logits(p, b);
        double worstEmb = 0;
        double worstLogit = 0;
        for (int e = 0; e < b.size(); e++) {
            for (int i = 0; i < spec.hidden(); i++) {
                worstEmb = Math.max(worstEmb, Math.abs(got[e * spec.hidden() + i] - emb[e][i]));
            }
            for (int c = 0; c < spec.classes(); c++) {
                worstLogit = Math.max(worstLogit, Math.abs(gotLogits[c * b.size() + e] - logits[e][c]));
            }
        }
        System.out.printf("%s: max |float - double| embeddings %.3g, logits %.3g%n", text, worstEmb, worstLogit);
        // float32 rounds at 6e-8 relative; with values O(1) after each LayerNorm, chains of <= 200 fmas and a few
        // layers, the measured error is a few 1e-7. 1e-5 leaves room for other CPUs yet catches any real mistake (a
        // wrong mask, scale, epsilon or GELU moves results by 1e-3 or more).
        assertThat(worstEmb).isLessThan(1e-5);
        assertThat(worstLogit).isLessThan(1e-5);
    }

    @Test
    void aTextHasTheSameBitsAloneAndInAnyBatch() {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        EncoderModel model = new EncoderModel(spec);
        ParameterSet p = params(model, 6);
        Batch mixed = batch(spec, 10, 16, 7, 2, 11, 7);
        float[] emb = model.embeddings(p, mixed).clone();
        float[] logits = model.logits(p, mixed).clone();
        int h = spec.hidden();
        for (int e = 0; e < mixed.size(); e++) {
            Batch alone = single(mixed, e, 100 + e);
            assertThat(model.embeddings(p, alone)).as("embedding of text %d", e)
                    .containsExactly(Arrays.copyOfRange(emb, e * h, e * h + h));
            float[] l = model.logits(p, alone);
            for (int c = 0; c < spec.classes(); c++) {
                assertThat(l[c]).as("logit %d of text %d", c, e)
                        .isEqualTo(logits[c * mixed.size() + e]);
            }
        }
        // texts 1 and 4 have the same length but other tokens: the check above is not vacuous
        assertThat(Arrays.copyOfRange(emb, h, 2 * h)).isNotEqualTo(Arrays.copyOfRange(emb, 4 * h, 5 * h));
    }

    static List<UpdateMask> masks() {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        int tensors = spec.tensorSpecs().size();
        List<TensorMask> magnitude = new ArrayList<>();
        List<TensorMask> random = new ArrayList<>();
        for (int t = 0; t < tensors; t++) {
            magnitude.add(TensorMask.magnitude(t, 0.05f));
            if (t % 3 != 1) { // every third tensor frozen
                random.add(TensorMask.random(t, 77L + t, 0.3f));
            }
        }
        return Arrays.asList(null, new UpdateMask(magnitude), new UpdateMask(random));
    }

    /** theta + sign * eps * z over whole tensors, masked as the spec writes it, built without the model's code. */
    static ParameterSet explicitlyPerturbed(ParameterSet p, long seed, float eps, UpdateMask mask, float sign) {
        ParameterSet q = p.copy();
        for (int t = 0; t < p.size(); t++) {
            TensorMask m = UpdateMask.of(mask, t);
            if (m == null) {
                continue;
            }
            float[] w = p.tensor(t);
            float[] z = new float[w.length];
            PerturbationGenerator.fill(seed, t, 0, z, 0, z.length);
            boolean[] trained = new boolean[w.length];
            m.trained(w, 0, 0, w.length, trained);
            for (int i = 0; i < w.length; i++) {
                q.tensor(t)[i] = Math.fma(sign * eps, trained[i] ? z[i] : 0f, w[i]);
            }
        }
        return q;
    }

    @Test
    void thePairedPassEqualsPlainPassesOnExplicitlyPerturbedWeights() {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        EncoderModel model = new EncoderModel(spec);
        ParameterSet p = params(model, 7);
        Batch b = batch(spec, 11, 16, 5, 9, 1, 16, 3);
        String before = p.weightsSha256();
        double plain = model.lossSum(p, b);
        float eps = 1e-2f;
        List<Double> plusByMask = new ArrayList<>();
        for (UpdateMask mask : masks()) {
            LossSums sums = model.perturbedLossSums(p, b, 1234L, eps, mask);
            double plus = new EncoderModel(spec).lossSum(explicitlyPerturbed(p, 1234L, eps, mask, 1f), b);
            double minus = new EncoderModel(spec).lossSum(explicitlyPerturbed(p, 1234L, eps, mask, -1f), b);
            // exact: both sides run the same operations on the same weights (rows of embeddings.word the batch does
            // not use differ, and cannot reach the loss)
            assertThat(sums.plus()).as("L+ with mask %s", mask).isEqualTo(plus);
            assertThat(sums.minus()).as("L- with mask %s", mask).isEqualTo(minus);
            assertThat(sums.count()).isEqualTo(b.size());
            assertThat(sums.plus()).isNotEqualTo(plain);
            assertThat(sums.plus()).isNotEqualTo(sums.minus());
            plusByMask.add(sums.plus());
        }
        // the masks change which elements move
        assertThat(plusByMask).doesNotHaveDuplicates();
        assertThat(p.weightsSha256()).as("theta after the paired passes").isEqualTo(before);
    }

    @Test
    void aMaskThatTrainsNoElementGivesPlusEqualToMinusEqualToPlain() {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        EncoderModel model = new EncoderModel(spec);
        ParameterSet p = params(model, 8);
        List<TensorMask> none = new ArrayList<>();
        for (int t = 0; t < p.size(); t++) {
            none.add(TensorMask.magnitude(t, 0f)); // trains |theta| <= 0, and no weight here is 0
        }
        Batch b = batch(spec, 12, 4, 16, 9);
        double plain = model.lossSum(p, b);
        LossSums sums = model.perturbedLossSums(p, b, 99L, 1e-2f, new UpdateMask(none));
        assertThat(sums.plus()).isEqualTo(plain);
        assertThat(sums.minus()).isEqualTo(plain);
        // and a mask that trains only the head moves the losses (the check above is not vacuous)
        int head = spec.headTensor();
        LossSums headOnly = model.perturbedLossSums(p, b, 99L, 1e-2f,
                new UpdateMask(List.of(TensorMask.dense(head), TensorMask.dense(head + 1))));
        assertThat(headOnly.plus()).isNotEqualTo(plain);
    }

    /**
     * A step that trains neither the embeddings nor the lowest blocks computes their output once for both passes: the
     * same loss sums and head gradient, bit for bit, as running both passes in full, and as plain passes on
     * explicitly perturbed weights; theta untouched.
     */
    @Test
    void theFrozenLowerBlocksAreComputedOnceWithTheSameBits() {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        int head = spec.headTensor();
        int block1 = spec.layerTensor(1);
        Map<String, UpdateMask> masks = new LinkedHashMap<>();
        masks.put("block 1 and the head", dense(IntStream.range(block1, head + 2)));
        masks.put("part of block 1 and the head", new UpdateMask(List.of(TensorMask.random(block1 + 3, 5L, 0.5f),
                TensorMask.dense(block1 + 7), TensorMask.dense(head), TensorMask.dense(head + 1))));
        masks.put("the head alone", dense(IntStream.of(head, head + 1)));
        masks.put("embeddings too (nothing shared)", dense(IntStream.of(2, block1, head)));
        int[] expectedFrozen = {1, 1, spec.layers(), -1};
        int i = 0;
        for (Map.Entry<String, UpdateMask> m : masks.entrySet()) {
            EncoderModel shared = new EncoderModel(spec);
            EncoderModel full = new EncoderModel(spec);
            full.shareFrozenLayers(false);
            assertThat(shared.frozenLayers(m.getValue())).as(m.getKey()).isEqualTo(expectedFrozen[i++]);
            ParameterSet p = params(shared, 21);
            String before = p.weightsSha256();
            Batch b = batch(spec, 23, 16, 7, 2, 11);
            for (int step = 0; step < 2; step++) { // the second step reuses the kept buffer
                HeadGradient gShared = new HeadGradient(spec.hidden() * spec.classes(), spec.classes());
                HeadGradient gFull = new HeadGradient(spec.hidden() * spec.classes(), spec.classes());
                LossSums a = shared.perturbedLossSums(p, b, 31L + step, 1e-2f, m.getValue(), gShared);
                LossSums c = full.perturbedLossSums(p, b, 31L + step, 1e-2f, m.getValue(), gFull);
                assertThat(a.plus()).as(m.getKey()).isEqualTo(c.plus());
                assertThat(a.minus()).as(m.getKey()).isEqualTo(c.minus());
                assertThat(a.plus()).as(m.getKey()).isEqualTo(new EncoderModel(spec).lossSum(
                        explicitlyPerturbed(p, 31L + step, 1e-2f, m.getValue(), 1f), b));
                assertThat(gShared.weight()).as(m.getKey()).isEqualTo(gFull.weight());
                assertThat(gShared.bias()).as(m.getKey()).isEqualTo(gFull.bias());
            }
            assertThat(p.weightsSha256()).isEqualTo(before);
        }
    }

    /**
     * A prediction right before a step (test-then-train) computes the frozen lower blocks the step reuses: its logits
     * are those of the plain forward, bit for bit, and the step after it gives the loss sums and head gradient of a
     * step without it; a step on another batch object, or with other weights, does not reuse it.
     */
    @Test
    void aPredictionRightBeforeAStepHandsTheFrozenBlocksOverWithTheSameBits() {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        int block1 = spec.layerTensor(1);
        int head = spec.headTensor();
        EncoderModel model = new EncoderModel(spec);
        ParameterSet p = params(model, 41);
        Batch b = batch(spec, 43, 16, 3, 12, 9);
        for (int frozen : new int[] {0, 1, spec.layers()}) {
            float[] plain = new EncoderModel(spec).logits(p, b).clone();
            assertThat(model.logitsBeforeStep(p, b, frozen)).as("frozen %d", frozen).isEqualTo(plain);
        }
        UpdateMask mask = dense(IntStream.range(block1, head + 2));
        EncoderModel reference = new EncoderModel(spec);
        LossSums expected = reference.perturbedLossSums(p, b, 47L, 1e-2f, mask);
        assertThat(model.predictBeforeStep(p, b, block1)).isEqualTo(reference.predict(p, b));
        LossSums[] handedOver = new LossSums[1];
        assertThat(model.reusedPrediction(() -> handedOver[0] = model.perturbedLossSums(p, b, 47L, 1e-2f, mask)))
                .as("handed over").isTrue();
        assertThat(handedOver[0].plus()).isEqualTo(expected.plus());
        assertThat(handedOver[0].minus()).isEqualTo(expected.minus());

        model.predictBeforeStep(p, b, block1);
        Batch same = batch(spec, 43, 16, 3, 12, 9); // equal content, another object: not handed over
        assertThat(model.reusedPrediction(() -> model.perturbedLossSums(p, same, 47L, 1e-2f, mask))).isFalse();
        model.predictBeforeStep(p, b, block1);
        model.perturbedLossSums(p, b, 47L, 1e-2f, mask);
        assertThat(model.reusedPrediction(() -> model.perturbedLossSums(p, b, 47L, 1e-2f, mask)))
                .as("once only").isFalse();
    }

    private static UpdateMask dense(IntStream tensors) {
        return new UpdateMask(tensors.mapToObj(TensorMask::dense).toList());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() throws Exception {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        ParameterSet p = params(new EncoderModel(spec), 9);
        Batch b = batch(spec, 13, 16, 3, 9, 12, 1, 16, 7, 5, 14);
        UpdateMask mask = masks().get(2);
        List<Object> results = new ArrayList<>();
        for (int threads : new int[] {1, 2, 5}) {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                EncoderModel model = new EncoderModel(spec);
                Supplier<List<Object>> run = () -> List.of(Arrays.toString(model.embeddings(p, b)),
                        model.perturbedLossSums(p, b, 5L, 1e-3f, mask), model.perturbedLossSums(p, b, 6L, 1e-3f, null));
                results.add(pool.submit(run::get).get());
            } finally {
                pool.shutdown();
            }
        }
        results.add(List.of(Arrays.toString(new EncoderModel(spec).embeddings(p, b)),
                new EncoderModel(spec).perturbedLossSums(p, b, 5L, 1e-3f, mask),
                new EncoderModel(spec).perturbedLossSums(p, b, 6L, 1e-3f, null)));
        assertThat(results).allMatch(r -> r.equals(results.get(0)));
    }

    @ParameterizedTest
    @ValueSource(strings = {SMALL, ODD})
    void vectorAndScalarKernelsGiveTheSameBits(String text) {
        EncoderKernel vector = EncoderKernels.vectorOrNull();
        assumeTrue(vector != null, "the Vector API module is not present");
        EncoderSpec spec = EncoderSpec.parse(text);
        EncoderModel v = new EncoderModel(spec, vector);
        EncoderModel s = new EncoderModel(spec, new ScalarEncoderKernel());
        ParameterSet p = params(v, 10);
        Batch b = batch(spec, 14, spec.maxTokens(), 2, 13, 7);
        // the kernel contract fixes every element's chain of operations, so the tolerance is zero
        assertThat(v.embeddings(p, b)).containsExactly(s.embeddings(p, b));
        assertThat(v.perturbedLossSums(p, b, 3L, 1e-3f, null)).isEqualTo(s.perturbedLossSums(p, b, 3L, 1e-3f, null));
    }

    @Test
    void rejectsTokenIdsOutsideTheVocabularyAndDenseBatches() {
        EncoderSpec spec = EncoderSpec.parse(SMALL);
        EncoderModel model = new EncoderModel(spec);
        ParameterSet p = params(model, 11);
        Batch b = batch(spec, 15, 3, 4);
        b.tokenIds()[16 + 2] = 100;
        assertThatThrownBy(() -> model.logits(p, b)).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("text 1").hasMessageContaining("token id 100 at position 2")
                .hasMessageContaining("0..99");
        Batch dense = new Batch(new float[16], new int[1], 1, 16);
        assertThatThrownBy(() -> model.logits(p, dense)).hasMessageContaining("takes token batches");
    }

    @Test
    void aCosineEncodersHeadReadsThePooledEmbeddingScaledToUnitLength() {
        EncoderSpec plain = EncoderSpec.parse(SMALL);
        EncoderSpec cosine = plain.withCosine(true);
        ParameterSet p = new EncoderModel(plain).initialize(3);
        Batch b = batch(plain, 8, 5, 16, 2);
        float[] pooled = new EncoderModel(plain).embeddings(p, b);
        float[] unit = new EncoderModel(cosine).embeddings(p, b);
        int h = plain.hidden();
        for (int e = 0; e < 3; e++) {
            double length = 0;
            double unitLength = 0;
            for (int i = 0; i < h; i++) {
                length += (double) pooled[e * h + i] * pooled[e * h + i];
                unitLength += (double) unit[e * h + i] * unit[e * h + i];
            }
            assertThat(unitLength).isCloseTo(1.0, within(1e-5));
            for (int i = 0; i < h; i++) {
                assertThat((double) unit[e * h + i]).isCloseTo(pooled[e * h + i] / Math.sqrt(length), within(1e-6));
            }
        }
        // the logits and the exact head's features are those of the unit-length embeddings, in every pass
        EncoderModel model = new EncoderModel(cosine);
        float[] logits = model.logits(p, b).clone();
        int head = cosine.headTensor();
        for (int e = 0; e < 3; e++) {
            for (int c = 0; c < cosine.classes(); c++) {
                double expected = p.tensor(head + 1)[c];
                for (int i = 0; i < h; i++) {
                    expected += (double) unit[e * h + i] * p.tensor(head)[i * cosine.classes() + c];
                }
                assertThat((double) logits[c * 3 + e]).isCloseTo(expected, within(1e-4));
            }
        }
        LossSums sums = model.perturbedLossSums(p, b, 9L, 0f, null);
        assertThat(sums.plus()).isEqualTo(model.lossSum(p, b));
    }
}
