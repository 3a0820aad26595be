package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.tensor.ParameterSet;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backprop against finite differences of {@link Mlp#loss}: the weight change of one plain SGD step (momentum 0,
 * weight decay 0) divided by the learning rate is the analytic gradient, and must match the central difference
 * (L(w + h) - L(w - h)) / 2h. The gradient is taken at the weights before the step, so the learning rate only scales
 * it; 0.1 keeps the float rounding of w - lr g (~ulp(w) / lr = 6e-7) far below the tolerance.
 */
class BackpropTrainerTest {
    /**
     * Central-difference error: float logits (~1e-7 relative) / h plus h^2 curvature; the worst seen here is 1.3e-5
     * absolute. A missing activation derivative, a factor 2 or a wrong sign costs far more.
     */
    private static final double REL_TOL = 1e-2;
    private static final double ABS_TOL = 5e-5;
    private static final float H = 5e-3f;

    @ParameterizedTest
    @ValueSource(strings = {"mlp:6x5x3:gelu", "mlp:6x5x3:relu", "mlp:6x8x5x3:gelu"})
    void oneSgdStepMovesAlongTheFiniteDifferenceGradient(String text) {
        MlpSpec spec = MlpSpec.parse(text);
        Mlp mlp = new Mlp(spec);
        ParameterSet p = MlpTest.params(mlp, 3);
        Batch b = MlpTest.batch(spec, 8, 4);
        float lr = 0.1f;
        ParameterSet stepped = p.copy();
        double lossBefore = new BackpropTrainer(spec, stepped, 0f, 0f).step(b, lr);
        assertThat(lossBefore).isCloseTo(mlp.loss(p, b), Offset.offset(1e-5));
        int checked = 0;
        for (int t = 0; t < p.size(); t++) {
            int n = p.tensor(t).length;
            for (int i : new int[] {0, n / 2, n - 1, (7 * n) / 10}) {
                double analytic = (p.tensor(t)[i] - stepped.tensor(t)[i]) / (double) lr;
                ParameterSet plus = p.copy();
                ParameterSet minus = p.copy();
                plus.tensor(t)[i] += H;
                minus.tensor(t)[i] -= H;
                double numeric = (mlp.loss(plus, b) - mlp.loss(minus, b))
                        / ((double) plus.tensor(t)[i] - minus.tensor(t)[i]);
                assertThat(analytic).as("%s: d loss / d %s[%d]", text, p.spec(t).name(), i)
                        .isCloseTo(numeric, Offset.offset(ABS_TOL + REL_TOL * Math.abs(numeric)));
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(16);
        // and the step did something
        assertThat(stepped.weightsSha256()).isNotEqualTo(p.weightsSha256());
        assertThat(mlp.loss(stepped, b)).isLessThan(lossBefore);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp:6x5x3:relu"})
    void weightDecayActsOnWeightsOnly(String text) {
        MlpSpec spec = MlpSpec.parse(text);
        ParameterSet p = MlpTest.params(new Mlp(spec), 5);
        Batch b = MlpTest.batch(spec, 8, 6);
        float lr = 0.1f;
        float wd = 0.5f;
        ParameterSet plain = p.copy();
        ParameterSet decayed = p.copy();
        new BackpropTrainer(spec, plain, 0f, 0f).step(b, lr);
        new BackpropTrainer(spec, decayed, 0f, wd).step(b, lr);
        for (int t = 0; t < p.size(); t++) {
            for (int i = 0; i < p.tensor(t).length; i++) {
                double diff = plain.tensor(t)[i] - decayed.tensor(t)[i];
                double expected = p.spec(t).rank() >= 2 ? lr * wd * p.tensor(t)[i] : 0.0;
                assertThat(diff).as("%s[%d]", p.spec(t).name(), i).isCloseTo(expected, Offset.offset(1e-6));
            }
        }
    }
}
