package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Class-major logits {@code [c * batch + n]}: loss, gradient and argmax. */
class SoftmaxCrossEntropyTest {
    private static final Offset<Double> TOL = Offset.offset(1e-12);

    @Test
    void meanLossOfKnownLogits() {
        // example 0: logits (0, ln 3), label 1 -> -log(3/4); example 1: logits (2, 2), label 0 -> log 2
        float ln3 = (float) Math.log(3);
        float[] logits = {0f, 2f, ln3, 2f};
        double expected = (-Math.log(Math.exp(ln3) / (1 + Math.exp(ln3))) + Math.log(2)) / 2;
        assertThat(SoftmaxCrossEntropy.meanLoss(logits, new int[] {1, 0}, 2, 2)).isCloseTo(expected, TOL);
    }

    @Test
    void largeLogitsDoNotOverflow() {
        float[] logits = {1000f, 0f, -1000f}; // one example, three classes
        assertThat(SoftmaxCrossEntropy.meanLoss(logits, new int[] {0}, 3, 1)).isCloseTo(0.0, TOL);
        assertThat(SoftmaxCrossEntropy.meanLoss(logits, new int[] {1}, 3, 1)).isCloseTo(1000.0, Offset.offset(1e-9));
    }

    @Test
    void gradientIsSoftmaxMinusOneHotOverBatch() {
        float[] logits = {0.5f, -1f, 2f, 0.25f, 1f, -0.5f}; // 3 classes x 2 examples
        int[] labels = {2, 0};
        float[] grad = new float[6];
        double loss = SoftmaxCrossEntropy.lossAndGradient(logits, labels, 3, 2, grad);
        assertThat(loss).isCloseTo(SoftmaxCrossEntropy.meanLoss(logits, labels, 3, 2), TOL);
        for (int n = 0; n < 2; n++) {
            double z = 0;
            for (int c = 0; c < 3; c++) {
                z += Math.exp(logits[c * 2 + n]);
            }
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                double p = Math.exp(logits[c * 2 + n]) / z;
                assertThat((double) grad[c * 2 + n]).isCloseTo((p - (c == labels[n] ? 1 : 0)) / 2, Offset.offset(1e-7));
                sum += grad[c * 2 + n];
            }
            assertThat(sum).isCloseTo(0.0, Offset.offset(1e-7));
        }
    }

    @Test
    void argmaxTakesTheFirstOfEqualLogits() {
        // class-major, 3 classes x 2 examples: example 0 has (1, 3, 2), example 1 has (0, 3, 3)
        float[] logits = {1f, 0f, 3f, 3f, 2f, 3f};
        assertThat(SoftmaxCrossEntropy.argmax(logits, 3, 2, 0)).isEqualTo(1);
        assertThat(SoftmaxCrossEntropy.argmax(logits, 3, 2, 1)).isEqualTo(1);
        assertThat(SoftmaxCrossEntropy.argmax(new float[] {5f, 5f}, 2, 1, 0)).isZero();
    }

    @Test
    void activationsAndTheirDerivatives() {
        assertThat(Activation.RELU.apply(-2f)).isZero();
        assertThat(Activation.RELU.apply(3f)).isEqualTo(3f);
        assertThat(Activation.RELU.derivative(-1f)).isZero();
        assertThat(Activation.RELU.derivative(1f)).isEqualTo(1f);
        assertThat(Activation.GELU.apply(0f)).isZero();
        assertThat(Activation.GELU.apply(10f)).isCloseTo(10f, Offset.offset(1e-5f));
        assertThat(Activation.GELU.apply(-10f)).isCloseTo(0f, Offset.offset(1e-5f));
        // GELU(1) with the tanh form: 0.841192
        assertThat(Activation.GELU.apply(1f)).isCloseTo(0.841192f, Offset.offset(1e-6f));
        for (float x = -4f; x <= 4f; x += 0.37f) {
            double h = 1e-3;
            double fd = (Activation.GELU.apply((float) (x + h)) - Activation.GELU.apply((float) (x - h))) / (2 * h);
            assertThat((double) Activation.GELU.derivative(x)).as("GELU'(%s)", x).isCloseTo(fd, Offset.offset(2e-3));
        }
    }
}
