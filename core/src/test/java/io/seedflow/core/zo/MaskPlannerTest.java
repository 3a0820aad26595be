package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The magnitude threshold of spec §6.2 (k-th smallest |theta|) against the definition: sort |theta|, take the k-th. */
class MaskPlannerTest {
    private static final double[] FRACTIONS = {0, 1e-6, 0.2, 0.5, 0.8, 0.999, 1};

    @Test
    void radixSelectEqualsTheSortedKthSmallestMagnitude() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int n : new int[] {1, 2, 3, 17, 1000, 65_537}) {
            float[] gaussian = new float[n];
            float[] ties = new float[n];
            float[] wide = new float[n];
            for (int i = 0; i < n; i++) {
                gaussian[i] = (float) (rnd.nextGaussian() * 0.02);
                ties[i] = (rnd.nextInt(5) - 2) * 0.25f; // many equal magnitudes, zeros of both signs
                wide[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-40, 39))); // subnormals to 1e38
            }
            ties[0] = -0f;
            for (float[] x : new float[][] {gaussian, ties, wide}) {
                for (double f : FRACTIONS) {
                    assertThat(MaskPlanner.quantileOfMagnitude(x, f)).as("n=%d fraction=%s", n, f)
                            .isEqualTo(bySorting(x, f));
                }
            }
        }
    }

    @Test
    void infinitiesAndSignedZerosOrderAsTheirMagnitudes() {
        float[] x = {Float.NEGATIVE_INFINITY, -0f, 0f, -1f, 1f, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE};
        for (double f : FRACTIONS) {
            assertThat(MaskPlanner.quantileOfMagnitude(x, f)).as("fraction=%s", f).isEqualTo(bySorting(x, f));
        }
        assertThat(MaskPlanner.quantileOfMagnitude(x, 0.25)).isEqualTo(0f);
    }

    /** The definition, with a copy: k = max(1, round(fraction * n)), the k-th of |x| sorted ascending. */
    private static float bySorting(float[] x, double fraction) {
        float[] a = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            a[i] = Math.abs(x[i]);
        }
        Arrays.sort(a);
        int k = (int) Math.max(1, Math.min(a.length, Math.round(fraction * a.length)));
        return a[k - 1];
    }
}
