package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PrequentialScoreTest {
    @Test
    void theWindowHoldsTheNewestExamplesAndTheTotalAll() {
        PrequentialScore s = new PrequentialScore(2, 3);
        int[][] stream = {{1, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 1}};
        for (int[] e : stream) {
            s.add(e[0], e[1]);
        }
        assertThat(s.total().examples()).isEqualTo(5);
        assertThat(s.total().accuracy()).isEqualTo(3.0 / 5);
        assertThat(s.window().examples()).isEqualTo(3);
        assertThat(s.window().accuracy()).isEqualTo(2.0 / 3); // (0,0) (1,0) (1,1)
        int[] predicted = {1, 0, 0, 1, 1};
        int[] labels = {1, 1, 0, 0, 1};
        assertThat(s.window().confusion()).containsExactly(
                Evaluation.ofPredictions(predicted, labels, 2, 5, 2).confusion());
        assertThat(s.total().f1()).isEqualTo(s.total().f1(1));
    }

    @Test
    void survivesBytesExactlyAndAResizedWindowKeepsTheNewest() {
        Random r = new Random(3);
        PrequentialScore s = new PrequentialScore(3, 50);
        int[] p = new int[137];
        int[] l = new int[137];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextInt(3);
            l[i] = r.nextInt(3);
            s.add(p[i], l[i]);
        }
        PrequentialScore back = PrequentialScore.fromBytes(s.toBytes(), 50);
        assertThat(back.window().confusion()).containsExactly(s.window().confusion());
        assertThat(back.total().confusion()).containsExactly(s.total().confusion());
        back.add(2, 2);
        s.add(2, 2);
        assertThat(back.window().confusion()).containsExactly(s.window().confusion());
        PrequentialScore smaller = PrequentialScore.fromBytes(s.toBytes(), 10);
        assertThat(smaller.window().confusion())
                .containsExactly(Evaluation.ofPredictions(append(p, 2), append(l, 2), 128, 138, 3).confusion());
        assertThat(smaller.total().examples()).isEqualTo(138);
    }

    @Test
    void macroF1ForMoreThanTwoClasses() {
        Evaluation e = Evaluation.ofPredictions(new int[] {0, 1, 2, 2}, new int[] {0, 1, 2, 1}, 0, 4, 3);
        assertThat(e.f1()).isEqualTo((e.f1(0) + e.f1(1) + e.f1(2)) / 3);
    }

    @Test
    void refusesClassesOutsideTheModel() {
        assertThatThrownBy(() -> new PrequentialScore(2, 5).add(2, 0)).hasMessageContaining("[0, 2)");
        assertThatThrownBy(() -> new PrequentialScore(2, 0)).hasMessageContaining("window");
    }

    private static int[] append(int[] a, int v) {
        int[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }
}
