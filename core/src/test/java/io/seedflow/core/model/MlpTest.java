package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The MLP forward passes against a scalar oracle. The tile contract ({@link TileKernel}) makes every output element
 * one fma chain in input order starting from the bias, so the oracle below must agree bit for bit; the fused
 * perturbed pass must equal a plain pass on explicitly perturbed weights {@code fma(+-eps, z, w)}.
 */
class MlpTest {

    static ParameterSet params(Mlp mlp, long seed) {
        ParameterSet p = mlp.initialize(seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int t = 1; t < p.size(); t += 2) { // non-zero biases, so their perturbation matters
            for (int i = 0; i < p.tensor(t).length; i++) {
                p.tensor(t)[i] = (float) (0.1 * rnd.nextGaussian());
            }
        }
        return p;
    }

    static Batch batch(MlpSpec spec, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * spec.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(spec.classes());
        }
        return new Batch(x, y, n, spec.inputs());
    }

    /** Scalar oracle: class-major logits {@code [c * n + k]}, each output an fma chain from the bias. */
    static float[] referenceLogits(MlpSpec spec, ParameterSet p, Batch b) {
        int n = b.size();
        float[] logits = new float[spec.classes() * n];
        for (int k = 0; k < n; k++) {
            float[] x = new float[spec.inputs()];
            System.arraycopy(b.features(), k * spec.inputs(), x, 0, x.length);
            for (int l = 0; l < spec.layerCount(); l++) {
                int in = spec.width(l);
                int out = spec.width(l + 1);
                float[] w = p.tensor(2 * l);
                float[] bias = p.tensor(2 * l + 1);
                float[] y = new float[out];
                for (int o = 0; o < out; o++) {
                    float c = bias[o];
                    for (int i = 0; i < in; i++) {
                        c = Math.fma(w[o * in + i], x[i], c);
                    }
                    y[o] = l < spec.layerCount() - 1 ? spec.activation().apply(c) : c;
                }
                x = y;
            }
            for (int c = 0; c < spec.classes(); c++) {
                logits[c * n + k] = x[c];
            }
        }
        return logits;
    }

    /** theta + sign * eps * z, element by element as the spec writes it: fma(sign * eps, z, w). */
    static ParameterSet perturbed(ParameterSet p, long seed, float eps, int sign) {
        ParameterSet q = p.copy();
        for (int t = 0; t < q.size(); t++) {
            float[] a = q.tensor(t);
            for (int i = 0; i < a.length; i++) {
                a[i] = Math.fma(sign * eps, PerturbationGenerator.element(seed, t, i), a[i]);
            }
        }
        return q;
    }

    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({
        "mlp:784x40x10:relu, 37", // parallel row blocks, two micro-batch blocks, the last one partial
        "mlp:784x10:relu, 37", // one row block: split across micro-batch blocks instead
        "mlp:30x21x5:gelu, 70", // serial path, rows not a multiple of the 4-row tile, GELU
        "mlp:50x33x17x4:gelu, 1",
        "mlp:64x20x3:relu, 96",
    })
    void logitsMatchTheScalarOracle(String text, int n) {
        MlpSpec spec = MlpSpec.parse(text);
        Mlp mlp = new Mlp(spec);
        ParameterSet p = params(mlp, 11);
        Batch b = batch(spec, n, 12);
        assertSameBits(mlp.logits(p, b), referenceLogits(spec, p, b), text);
        assertThat(mlp.loss(p, b)).isEqualTo(
                SoftmaxCrossEntropy.meanLoss(referenceLogits(spec, p, b), b.labels(), spec.classes(), n));
    }

    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({
        "mlp:784x40x10:relu, 37",
        "mlp:784x10:relu, 37",
        "mlp:30x21x5:gelu, 70",
        "mlp:50x33x17x4:gelu, 1",
    })
    void perturbedLossesEqualPlainLossesOnExplicitlyPerturbedCopies(String text, int n) {
        MlpSpec spec = MlpSpec.parse(text);
        Mlp mlp = new Mlp(spec);
        ParameterSet p = params(mlp, 21);
        String before = p.weightsSha256();
        Batch b = batch(spec, n, 22);
        long seed = 0xfeedbeefL;
        float eps = 1e-2f;
        LossSums pair = mlp.perturbedLossSums(p, b, seed, eps, null);
        assertThat(p.weightsSha256()).as("theta is never modified").isEqualTo(before);
        Mlp plain = new Mlp(spec);
        double lossPlus = plain.loss(perturbed(p, seed, eps, +1), b);
        double lossMinus = plain.loss(perturbed(p, seed, eps, -1), b);
        assertThat(pair.meanPlus()).as("L+").isEqualTo(lossPlus);
        assertThat(pair.meanMinus()).as("L-").isEqualTo(lossMinus);
        assertThat(pair.meanPlus()).isNotEqualTo(pair.meanMinus());
        assertThat(pair.finite()).isTrue();
        // the same instance serves plain and perturbed passes alternately
        assertThat(mlp.loss(p, b)).isEqualTo(plain.loss(p, b));
        assertThat(mlp.perturbedLossSums(p, b, seed, eps, null)).isEqualTo(pair);
    }

    @Test
    void zeroEpsilonGivesThePlainLossTwice() {
        MlpSpec spec = MlpSpec.parse("mlp:784x40x10:relu");
        Mlp mlp = new Mlp(spec);
        ParameterSet p = params(mlp, 1);
        Batch b = batch(spec, 37, 2);
        double loss = mlp.loss(p, b);
        LossSums pair = mlp.perturbedLossSums(p, b, 99, 0f, null);
        assertThat(pair.meanPlus()).isEqualTo(loss);
        assertThat(pair.meanMinus()).isEqualTo(loss);
    }

    @Test
    void resultsDoNotDependOnTheThreadPool() throws Exception {
        MlpSpec spec = MlpSpec.parse("mlp:784x40x10:relu");
        ParameterSet p = params(new Mlp(spec), 31);
        Batch b = batch(spec, 37, 32);
        Mlp mlp = new Mlp(spec);
        LossSums common = mlp.perturbedLossSums(p, b, 5, 1e-3f, null);
        float[] logitsCommon = mlp.logits(p, b).clone();
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            Mlp other = new Mlp(spec);
            LossSums single = pool.submit(() -> other.perturbedLossSums(p, b, 5, 1e-3f, null)).get();
            float[] logitsSingle = pool.submit(() -> other.logits(p, b).clone()).get();
            assertThat(single).isEqualTo(common);
            assertSameBits(logitsSingle, logitsCommon, "logits in a pool of 1");
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void vectorAndScalarTilesAgreeBitForBit() {
        TileKernel vector = TileKernels.vectorOrNull();
        TileKernel scalar = TileKernels.scalar();
        Assumptions.assumeTrue(vector != null, "jdk.incubator.vector not in the boot layer");
        int mb = TileKernel.MICRO_BATCH;
        SplittableRandom rnd = new SplittableRandom(4);
        for (int rows : new int[] {1, 3, 4, 7, 16}) {
            int in = 37;
            float[] w = new float[rows * in + 5];
            float[] bias = new float[rows + 2];
            float[] x = new float[in * mb + 3];
            for (float[] a : new float[][] {w, bias, x}) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) rnd.nextGaussian();
                }
            }
            for (boolean relu : new boolean[] {false, true}) {
                float[] y1 = new float[rows * mb + 8];
                float[] y2 = new float[rows * mb + 8];
                scalar.tile(w, 5, in, bias, 2, rows, x, 3, y1, 8, relu);
                vector.tile(w, 5, in, bias, 2, rows, x, 3, y2, 8, relu);
                assertSameBits(y2, y1, "rows " + rows + " relu " + relu);
            }
        }
    }

    @Test
    void initializeIsHeNormalFromZ() {
        MlpSpec spec = MlpSpec.parse("mlp:20x7x3:relu");
        ParameterSet p = new Mlp(spec).initialize(8);
        assertThat(p.specs()).isEqualTo(spec.tensorSpecs());
        for (int l = 0; l < spec.layerCount(); l++) {
            float std = (float) Math.sqrt(2.0 / spec.width(l));
            float[] w = p.tensor(2 * l);
            for (int i = 0; i < w.length; i++) {
                assertThat(w[i]).isEqualTo(PerturbationGenerator.element(8, 2 * l, i) * std);
            }
            assertThat(p.tensor(2 * l + 1)).containsOnly(0f);
        }
        assertThat(new Mlp(spec).initialize(9).weightsSha256()).isNotEqualTo(p.weightsSha256());
    }

    @Test
    void evaluateCountsArgmaxHitsInAnyChunking() {
        MlpSpec spec = MlpSpec.parse("mlp:30x21x5:gelu");
        Mlp mlp = new Mlp(spec);
        ParameterSet p = params(mlp, 41);
        Batch b = batch(spec, 103, 42);
        float[] logits = referenceLogits(spec, p, b);
        int correct = 0;
        for (int k = 0; k < 103; k++) {
            if (SoftmaxCrossEntropy.argmax(logits, 5, 103, k) == b.labels()[k]) {
                correct++;
            }
        }
        Evaluation whole = mlp.evaluate(p, b.features(), b.labels(), 103, 103);
        Evaluation chunked = mlp.evaluate(p, b.features(), b.labels(), 103, 10);
        assertThat(whole.accuracy()).isEqualTo(correct / 103.0);
        assertThat(chunked.accuracy()).isEqualTo(whole.accuracy());
        assertThat(chunked.examples()).isEqualTo(103);
        assertThat(chunked.meanLoss()).isCloseTo(whole.meanLoss(), Offset.offset(1e-9));
        assertThat(whole.meanLoss()).isCloseTo(mlp.loss(p, b), Offset.offset(1e-12));
    }

    @Test
    void probabilitiesAreASoftmaxOfTheLogits() {
        MlpSpec spec = MlpSpec.parse("mlp:30x21x5:gelu");
        Mlp mlp = new Mlp(spec);
        ParameterSet p = params(mlp, 51);
        Batch b = batch(spec, 1, 52);
        float[] prob = mlp.probabilities(p, b.features());
        float[] logits = referenceLogits(spec, p, b);
        double sum = 0;
        for (float v : prob) {
            sum += v;
        }
        assertThat(sum).isCloseTo(1.0, Offset.offset(1e-6));
        int best = SoftmaxCrossEntropy.argmax(logits, 5, 1, 0);
        for (int c = 0; c < 5; c++) {
            assertThat(prob[best]).isGreaterThanOrEqualTo(prob[c]);
            // p_c / p_best = exp(l_c - l_best)
            assertThat((double) prob[c] / prob[best]).isCloseTo(Math.exp(logits[c] - logits[best]),
                    Offset.offset(1e-5));
        }
    }

    @Test
    void batchProbabilitiesAreBitIdenticalToOneExampleAtATime() {
        MlpSpec spec = MlpSpec.parse("mlp:30x21x5:gelu");
        Mlp mlp = new Mlp(spec);
        ParameterSet p = params(mlp, 53);
        Batch b = batch(spec, 37, 54); // more than one 32-example block, the last one partly padded
        float[][] all = mlp.probabilities(p, b.features(), 37);
        assertThat(all).hasNumberOfRows(37);
        for (int n = 0; n < 37; n++) {
            float[] one = new float[30];
            System.arraycopy(b.features(), n * 30, one, 0, 30);
            assertThat(all[n]).as("example %d", n).containsExactly(mlp.probabilities(p, one));
        }
    }

    @Test
    void wrongFeatureCountIsRefused() {
        MlpSpec spec = MlpSpec.parse("mlp:784x40x10:relu");
        Mlp mlp = new Mlp(spec);
        ParameterSet p = params(mlp, 1);
        Batch b = new Batch(new float[2 * 780], new int[2], 2, 780);
        assertThatThrownBy(() -> mlp.logits(p, b)).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("expects 784 features").hasMessageContaining("got 780");
        assertThatThrownBy(() -> mlp.perturbedLossSums(p, b, 1, 1e-3f, null)).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("expects 784 features");
    }

    @Test
    void wrongTensorCountIsRefused() {
        Mlp mlp = new Mlp(MlpSpec.parse("mlp:784x40x10:relu"));
        ParameterSet fewer = new Mlp(MlpSpec.parse("mlp:784x10:relu")).initialize(1);
        Batch b = batch(mlp.spec(), 2, 1);
        assertThatThrownBy(() -> mlp.logits(fewer, b)).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("needs tensors [layers.0.weight[40, 784], layers.0.bias[40], layers.1.weight[10, 40]")
                .hasMessageContaining("but got [layers.0.weight[10, 784], layers.0.bias[10]]");
    }

    @Test
    void wrongTensorShapesAreRefused() {
        Mlp mlp = new Mlp(MlpSpec.parse("mlp:784x20x10:relu"));
        ParameterSet wider = new Mlp(MlpSpec.parse("mlp:784x40x10:relu")).initialize(1);
        Batch b = batch(mlp.spec(), 2, 1);
        assertThatThrownBy(() -> mlp.logits(wider, b)).isInstanceOf(TensorShapeMismatchException.class);
    }

    @Test
    void batchValidatesItsArrays() {
        assertThatThrownBy(() -> new Batch(new float[10], new int[2], 2, 4)).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("needs 8 floats, got 10");
        assertThatThrownBy(() -> new Batch(new float[8], new int[3], 2, 4)).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("needs 2 labels, got 3");
        assertThatThrownBy(() -> new Batch(new float[0], new int[0], 0, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lossOfUniformLogitsIsLogOfClassCount() {
        MlpSpec spec = MlpSpec.parse("mlp:6x5x3:relu");
        ParameterSet zero = new ParameterSet(spec.tensorSpecs());
        Batch b = batch(spec, 9, 3);
        assertThat(new Mlp(spec).loss(zero, b)).isCloseTo(Math.log(3), Offset.offset(1e-12));
    }

    static void assertSameBits(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                fail("%s: element %d is %s but the oracle gives %s", what, i, actual[i], expected[i]);
            }
        }
    }

    @Test
    void specParsesAndLaysOutTensorsCanonically() {
        MlpSpec s = MlpSpec.parse("mlp:784x128x10:gelu");
        assertThat(s.widths()).containsExactly(784, 128, 10);
        assertThat(s.activation()).isEqualTo(Activation.GELU);
        assertThat(s.toText()).isEqualTo("mlp:784x128x10:gelu");
        assertThat(s.inputs()).isEqualTo(784);
        assertThat(s.classes()).isEqualTo(10);
        assertThat(s.layerCount()).isEqualTo(2);
        assertThat(s.tensorSpecs()).extracting(Object::toString).containsExactly("layers.0.weight[128, 784]",
                "layers.0.bias[128]", "layers.1.weight[10, 128]", "layers.1.bias[10]");
        assertThat(MlpSpec.parse("mlp:4x3x2:RELU")).isEqualTo(MlpSpec.parse("mlp:4x3x2:relu"));
        for (String bad : List.of("mlp:784:relu", "mlp:784x0x10:relu", "mlp:784x10x1:relu", "cnn:1x2:relu",
                "mlp:784xax10:relu", "mlp:784x10")) {
            assertThatThrownBy(() -> MlpSpec.parse(bad)).as(bad)
                    .isInstanceOf(InvalidConfigurationException.class);
        }
        assertThatThrownBy(() -> MlpSpec.parse("mlp:784x10:tanh")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("tanh").hasMessageContaining("relu, gelu");
    }
}
