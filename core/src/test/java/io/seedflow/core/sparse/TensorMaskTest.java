package io.seedflow.core.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.rng.Philox4x32;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The element rule of spec §6.2: magnitude threshold and random keep bits, in bulk and at any offset. */
class TensorMaskTest {
    @Test
    void magnitudeRuleKeepsExactlyTheElementsAtOrBelowTheThreshold() {
        float[] theta = {-0.5f, 0.1f, -0.1f, 0.2f, 0f, -0f, 0.30000001f, Float.NaN};
        boolean[] out = new boolean[theta.length];
        TensorMask.magnitude(0, 0.2f).trained(theta, 0, 0, theta.length, out);
        assertThat(out).containsExactly(false, true, true, true, true, true, false, false);
    }

    @Test
    void randomRuleHasTheRequestedDensityAndFollowsThePhiloxWordOfEachElement() {
        TensorMask m = TensorMask.random(3, 0xFEEDL, 0.2f);
        int n = 100_000;
        float[] theta = new float[n];
        boolean[] out = new boolean[n];
        m.trained(theta, 0, 0, n, out);
        int kept = 0;
        for (boolean b : out) {
            kept += b ? 1 : 0;
        }
        assertThat(kept / (double) n).isBetween(0.195, 0.205);
        // spot-check single elements against the spec's formula
        int[] w = new int[4];
        for (long e : new long[] {0, 1, 2, 3, 4, 77, 99_999}) {
            Philox4x32.block((int) (e >>> 2), 0, 3, 1, Philox4x32.lo(0xFEEDL), Philox4x32.hi(0xFEEDL), w, 0);
            boolean keep = (w[(int) (e & 3)] >>> 8) < (int) Math.floor(0.2 * (1 << 24));
            assertThat(out[(int) e]).as("element %d", e).isEqualTo(keep);
        }
    }

    @Test
    void bulkRuleAtAnUnalignedOffsetMatchesTheWholeTensor() {
        TensorMask m = new TensorMask(1, 0.7f, 42L, 0.5f);
        SplittableRandom rnd = new SplittableRandom(5);
        float[] theta = new float[1000];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = (float) rnd.nextGaussian();
        }
        boolean[] whole = new boolean[1000];
        m.trained(theta, 0, 0, 1000, whole);
        boolean[] part = new boolean[301];
        m.trained(theta, 123, 123, 301, part);
        for (int i = 0; i < 301; i++) {
            assertThat(part[i]).isEqualTo(whole[123 + i]);
        }
        int both = 0;
        for (int i = 0; i < 1000; i++) {
            both += whole[i] ? 1 : 0;
            if (whole[i]) {
                assertThat(Math.abs(theta[i])).isLessThanOrEqualTo(0.7f);
            }
        }
        // P(|N(0,1)| <= 0.7) * 0.5 ≈ 0.258
        assertThat(both).isBetween(200, 320);
    }

    @Test
    void invalidMasksAreRefusedWithTheValue() {
        assertThatThrownBy(() -> new TensorMask(0, Float.NaN, 0, 1f)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("maxMagnitude").hasMessageContaining("NaN");
        assertThatThrownBy(() -> new TensorMask(0, 1f, 0, 0f)).hasMessageContaining("keepFraction must be in (0, 1]");
        assertThatThrownBy(() -> new TensorMask(0, 1f, 0, 1.5f)).hasMessageContaining("1.5");
        assertThatThrownBy(() -> new UpdateMask(java.util.List.of(TensorMask.dense(2), TensorMask.dense(1))))
                .hasMessageContaining("ascending");
    }
}
