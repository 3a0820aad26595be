package io.seedflow.jobs.study.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairedComparisonTest {
    @Test
    void mcNemarIsTheExactTwoSidedBinomialTail() {
        // 10 mails only a gets right, 2 only b: p = 2 (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 158 / 4096
        int[] labels = new int[20];
        int[] a = new int[20];
        int[] b = new int[20];
        for (int i = 0; i < 10; i++) {
            b[i] = 1; // b wrong, a right
        }
        for (int i = 10; i < 12; i++) {
            a[i] = 1; // a wrong, b right
        }
        assertThat(PairedComparison.mcnemar(a, b, labels, 0, 20)).isCloseTo(158.0 / 4096, within(1e-12));
        assertThat(PairedComparison.mcnemar(a, a, labels, 0, 20)).isEqualTo(1.0);
        // a balanced split is no evidence at all
        assertThat(PairedComparison.mcnemar(a, b, labels, 8, 14)).isEqualTo(1.0);
    }

    @Test
    void identicalMethodsDifferByNothingAndABetterOneByAnIntervalThatExcludesZero() {
        int n = 3000;
        SplittableRandom random = new SplittableRandom(1);
        int[] labels = new int[n];
        int[] good = new int[n];
        int[] poor = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(5) == 0 ? 1 : 0;
            good[i] = random.nextInt(20) == 0 ? 1 - labels[i] : labels[i]; // 5% wrong
            poor[i] = random.nextInt(5) == 0 ? 1 - labels[i] : labels[i]; // 20% wrong
        }
        PairedComparison same = PairedComparison.of(List.of(good), List.of(good), labels, 0, n, 1);
        assertThat(same.delta()).isZero();
        assertThat(same.low()).isZero();
        assertThat(same.high()).isZero();
        assertThat(same.mcnemarP()).isEqualTo(1.0);
        PairedComparison better = PairedComparison.of(List.of(good, good), List.of(poor, poor), labels, 0, n, 1);
        double exact = PairedComparison.f1(good, labels, range(n), 1) - PairedComparison.f1(poor, labels, range(n), 1);
        assertThat(better.delta()).isCloseTo(exact, within(1e-12)).isGreaterThan(0.1);
        assertThat(better.low()).isGreaterThan(0).isLessThan(better.delta());
        assertThat(better.high()).isGreaterThan(better.delta());
        assertThat(better.mcnemarP()).isLessThan(1e-10);
        assertThat(better.seeds()).isEqualTo(2);
        PairedComparison worse = PairedComparison.of(List.of(poor), List.of(good), labels, 0, n, 1);
        assertThat(worse.high()).isLessThan(0);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
