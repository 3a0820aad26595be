package io.seedflow.core.subspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The deterministic PCA of spec §6.3. */
class SubspaceBasisTest {
    private static final List<TensorSpec> SPECS = MlpSpec.parse("mlp:8x20x10:relu").tensorSpecs();
    private static final List<Integer> HEAD = List.of(2, 3); // 10x20 weight + 10 bias = 210 elements

    private static SubspaceCorrection.Window window(int tau, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Long> seeds = new ArrayList<>();
        List<Float> coeffs = new ArrayList<>();
        for (int s = 0; s < tau; s++) {
            seeds.add(rnd.nextLong());
            coeffs.add((float) (rnd.nextGaussian() * 1e-3));
        }
        return new SubspaceCorrection.Window(HEAD, seeds, coeffs);
    }

    @Test
    void jacobiDiagonalizesASymmetricMatrix() {
        double[][] a = {{4, 1, 2}, {1, 3, 0.5}, {2, 0.5, 5}};
        double[][] copy = {{4, 1, 2}, {1, 3, 0.5}, {2, 0.5, 5}};
        double[][] v = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        SubspaceBasis.jacobi(a, v);
        for (int j = 0; j < 3; j++) {
            for (int r = 0; r < 3; r++) { // A v_j = lambda_j v_j
                double av = 0;
                for (int c = 0; c < 3; c++) {
                    av += copy[r][c] * v[c][j];
                }
                assertThat(av).isCloseTo(a[j][j] * v[r][j], within(1e-9));
            }
        }
        assertThat(a[0][0] + a[1][1] + a[2][2]).isCloseTo(12, within(1e-9)); // trace kept
    }

    @Test
    void directionsAreOrthonormalSortedAndSpanTheCenteredHistory() {
        SubspaceCorrection.Window w = window(16, 1);
        SubspaceBasis b = SubspaceBasis.compute(SPECS, w);
        assertThat(b.size()).isEqualTo(15); // tau - 1 after centering
        for (int i = 0; i < b.size(); i++) {
            if (i > 0) {
                assertThat(b.eigenvalue(i)).isLessThanOrEqualTo(b.eigenvalue(i - 1));
            }
            for (int j = 0; j <= i; j++) {
                double dot = 0;
                for (int k = 0; k < 210; k++) {
                    dot += (double) b.direction(i)[k] * b.direction(j)[k];
                }
                assertThat(dot).isCloseTo(i == j ? 1 : 0, within(1e-5));
            }
        }
        // the history's last step direction (z of the last seed) lies mostly inside the span of the basis
        float[] z = new float[210];
        PerturbationGenerator.fill(w.seeds().get(15), 2, 0, z, 0, 200);
        PerturbationGenerator.fill(w.seeds().get(15), 3, 0, z, 200, 10);
        double inSpan = 0;
        double norm = 0;
        for (int i = 0; i < b.size(); i++) {
            double dot = 0;
            for (int k = 0; k < 210; k++) {
                dot += (double) b.direction(i)[k] * z[k];
            }
            inSpan += dot * dot;
        }
        for (float v : z) {
            norm += (double) v * v;
        }
        assertThat(inSpan / norm).isGreaterThan(0.5);
    }

    @Test
    void removedCountFollowsTheVarianceThreshold() {
        SubspaceBasis b = SubspaceBasis.compute(SPECS, window(32, 2));
        assertThat(b.removedCount(1e-9)).isZero();
        int small = b.removedCount(0.01);
        int large = b.removedCount(0.5);
        assertThat(large).isGreaterThan(small).isLessThan(b.size());
        double total = 0;
        double kept = 0;
        for (int j = 0; j < b.size(); j++) {
            total += b.eigenvalue(j);
        }
        for (int j = 0; j < b.size() - large; j++) {
            kept += b.eigenvalue(j);
        }
        assertThat(kept).isGreaterThanOrEqualTo(0.5 * total);
        assertThat(kept - b.eigenvalue(b.size() - large - 1)).isLessThan(0.5 * total);
    }

    @Test
    void sameWindowGivesTheSameBitsEveryTime() {
        SubspaceBasis a = SubspaceBasis.compute(SPECS, window(24, 3));
        SubspaceBasis b = SubspaceBasis.compute(SPECS, window(24, 3));
        assertThat(b.size()).isEqualTo(a.size());
        for (int j = 0; j < a.size(); j++) {
            assertThat(b.direction(j)).containsExactly(a.direction(j));
        }
    }
}
