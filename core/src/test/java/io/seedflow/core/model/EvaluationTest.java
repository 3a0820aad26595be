package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EvaluationTest {
    // rows: actual ham (0), spam (1); columns: predicted ham, spam
    private final Evaluation e = new Evaluation(0.5, 2, new long[] {5, 1, 1, 3});

    @Test
    void precisionRecallAndF1OfThePositiveClassComeFromTheConfusionCounts() {
        assertThat(e.precision(1)).isCloseTo(0.75, within(1e-12));
        assertThat(e.recall(1)).isCloseTo(0.75, within(1e-12));
        assertThat(e.f1(1)).isCloseTo(2.0 * 3 / (2 * 3 + 1 + 1), within(1e-12));
        assertThat(e.f1(0)).isCloseTo(2.0 * 5 / (2 * 5 + 1 + 1), within(1e-12));
    }

    @Test
    void aClassNeverPredictedHasZeroPrecisionAndF1() {
        Evaluation allHam = new Evaluation(0.7, 2, new long[] {6, 0, 4, 0});
        assertThat(allHam.precision(1)).isZero();
        assertThat(allHam.recall(1)).isZero();
        assertThat(allHam.f1(1)).isZero();
    }

    @Test
    void modelEvaluationCountsEveryExampleOnce() {
        Mlp mlp = new Mlp(MlpSpec.parse("mlp:4x3x2:relu"));
        var params = mlp.initialize(7);
        float[] features = new float[8 * 4];
        int[] labels = new int[8];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) Math.sin(i);
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 2;
        }
        Evaluation ev = mlp.evaluate(params, features, labels, 8, 3);
        long total = 0;
        long right = 0;
        for (int a = 0; a < 2; a++) {
            for (int p = 0; p < 2; p++) {
                total += ev.count(a, p);
                right += a == p ? ev.count(a, p) : 0;
            }
        }
        assertThat(total).isEqualTo(8);
        assertThat(right / 8.0).isEqualTo(ev.accuracy());
    }
}
