package io.seedflow.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpochSamplerTest {

    /** The example indices of the next {@code draws} batches, copied (a Draw shares the sampler's live order). */
    private static List<int[]> draw(EpochSampler s, int draws, int size, List<EpochSampler.Draw> meta) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < draws; i++) {
            EpochSampler.Draw d = s.next(size);
            out.add(Arrays.copyOfRange(d.order(), d.offset(), d.offset() + d.size()));
            if (meta != null) {
                meta.add(d);
            }
        }
        return out;
    }

    @Test
    void sameSeedSameOrderOtherSeedOtherOrder() {
        List<int[]> a = draw(new EpochSampler(1000, 42), 40, 64, null);
        List<int[]> b = draw(new EpochSampler(1000, 42), 40, 64, null);
        List<int[]> c = draw(new EpochSampler(1000, 43), 40, 64, null);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i)).isEqualTo(a.get(i));
        }
        assertThat(c.get(0)).isNotEqualTo(a.get(0));
    }

    @Test
    void eachEpochIsAPermutationWithTheTailDropped() {
        int n = 1000;
        int size = 64; // 15 batches per epoch, 40 examples dropped
        List<EpochSampler.Draw> meta = new ArrayList<>();
        List<int[]> batches = draw(new EpochSampler(n, 7), 45, size, meta);
        List<int[]> epochOrders = new ArrayList<>();
        for (int epoch = 0; epoch < 3; epoch++) {
            boolean[] seen = new boolean[n];
            int[] order = new int[15 * size];
            for (int k = 0; k < 15; k++) {
                int[] batch = batches.get(epoch * 15 + k);
                System.arraycopy(batch, 0, order, k * size, size);
                for (int e : batch) {
                    assertThat(e).isBetween(0, n - 1);
                    assertThat(seen[e]).as("example %d twice in epoch %d", e, epoch).isFalse();
                    seen[e] = true;
                }
            }
            epochOrders.add(order);
        }
        assertThat(epochOrders.get(1)).isNotEqualTo(epochOrders.get(0));
        assertThat(epochOrders.get(2)).isNotEqualTo(epochOrders.get(1));
        // a shuffle, not the identity
        int fixed = 0;
        for (int i = 0; i < epochOrders.get(0).length; i++) {
            if (epochOrders.get(0)[i] == i) {
                fixed++;
            }
        }
        assertThat(fixed).isLessThan(20);
    }

    @Test
    void positionsAreContiguousWithinAnEpochAndGlobal() {
        int n = 1000;
        List<EpochSampler.Draw> meta = new ArrayList<>();
        draw(new EpochSampler(n, 7), 45, 64, meta);
        for (int i = 0; i < meta.size(); i++) {
            EpochSampler.Draw d = meta.get(i);
            int epoch = i / 15;
            int k = i % 15;
            assertThat(d.size()).isEqualTo(64);
            assertThat(d.offset()).isEqualTo(k * 64);
            // position p is example order[p mod n] of epoch p / n
            assertThat(d.fromPosition()).isEqualTo((long) epoch * n + k * 64L);
            if (k > 0) {
                EpochSampler.Draw prev = meta.get(i - 1);
                assertThat(d.fromPosition()).isEqualTo(prev.fromPosition() + prev.size());
            }
        }
    }

    @Test
    void wholeEpochBatchesCoverEveryExample() {
        EpochSampler s = new EpochSampler(10, 3);
        EpochSampler.Draw d = s.next(10);
        assertThat(Arrays.stream(d.order(), d.offset(), d.offset() + 10).sorted().toArray())
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(s.next(10).fromPosition()).isEqualTo(10);
        assertThatThrownBy(() -> s.next(11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("11").hasMessageContaining("10");
    }
}
