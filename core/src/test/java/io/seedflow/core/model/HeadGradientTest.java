package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HeadGradientTest {
    private static final double ODD_NAN = Double.longBitsToDouble(0x7ff8_0000_dead_beefL);

    private static HeadGradient evaluated(long seed) {
        java.util.Random r = new java.util.Random(seed);
        int width = 5;
        int classes = 3;
        int n = 7;
        float[] features = new float[n * width];
        float[] logits = new float[classes * n];
        int[] labels = new int[n];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        for (int e = 0; e < n; e++) {
            labels[e] = r.nextInt(classes);
        }
        HeadGradient g = new HeadGradient(width * classes, classes);
        g.add(SoftmaxCrossEntropy.OBJECTIVE, features, width, logits, new io.seedflow.core.objective.ClassLabels(labels), classes, n, true);
        return g;
    }

    private static long[] bits(double[] v) {
        return Arrays.stream(v).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void rebuiltFromItsSumsItAddsBitForBitAsTheOriginal() {
        HeadGradient original = evaluated(1);
        HeadGradient rebuilt = HeadGradient.ofSums(original.weight(), original.bias(), original.passes());
        assertThat(bits(rebuilt.weight())).isEqualTo(bits(original.weight()));
        assertThat(bits(rebuilt.bias())).isEqualTo(bits(original.bias()));
        assertThat(rebuilt.passes()).isEqualTo(7);

        HeadGradient viaOriginal = evaluated(2);
        viaOriginal.add(original);
        HeadGradient viaRebuilt = evaluated(2);
        viaRebuilt.add(rebuilt);
        assertThat(bits(viaRebuilt.weight())).isEqualTo(bits(viaOriginal.weight()));
        assertThat(bits(viaRebuilt.bias())).isEqualTo(bits(viaOriginal.bias()));
        assertThat(viaRebuilt.passes()).isEqualTo(14);
    }

    @Test
    void keepsTheSumsItIsGivenAsACopyWithTheirExactBits() {
        double[] weight = {-0.0, ODD_NAN, Double.MIN_VALUE};
        double[] bias = {0.1 + 0.2};
        HeadGradient g = HeadGradient.ofSums(weight, bias, 4);
        weight[0] = 1;
        assertThat(bits(g.weight())).containsExactly(Double.doubleToRawLongBits(-0.0), 0x7ff8_0000_dead_beefL,
                Double.doubleToRawLongBits(Double.MIN_VALUE));
        assertThat(bits(g.bias())).containsExactly(Double.doubleToRawLongBits(0.1 + 0.2));
    }

    @Test
    void refusesANegativePassCountAndSumsOfAnotherShape() {
        assertThatThrownBy(() -> HeadGradient.ofSums(new double[2], new double[1], -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("passes must be >= 0");
        HeadGradient g = new HeadGradient(15, 3);
        assertThatThrownBy(() -> g.add(new HeadGradient(12, 3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12 weight and 3 bias elements to one with 15 and 3");
    }
}
