package io.seedflow.core.rng;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Per-step seeds as defined in spec section 6: words (x0, x1) of Philox with counter (lo n, hi n, k, 0x05EEDF10). */
class SeedDerivationTest {

    @Test
    void perturbationSeedIsTheSpecifiedPhiloxWords() {
        long runSeed = 0x0123456789abcdefL;
        for (long step : new long[] {0, 1, 2, 1000, (1L << 32) + 5, Long.MAX_VALUE}) {
            for (int k : new int[] {0, 1, 7}) {
                int[] w = new int[4];
                Philox4x32.block((int) step, (int) (step >>> 32), k, 0x05EEDF10, 0x89abcdef, 0x01234567, w, 0);
                long expected = (Integer.toUnsignedLong(w[1]) << 32) | Integer.toUnsignedLong(w[0]);
                assertThat(SeedDerivation.perturbationSeed(runSeed, step, k))
                        .as("step %d, k %d", step, k).isEqualTo(expected);
            }
        }
    }

    @Test
    void seedsDifferAcrossStepsPerturbationsAndRuns() {
        Set<Long> seen = new HashSet<>();
        for (long run : new long[] {1, 2}) {
            for (long step = 1; step <= 200; step++) {
                for (int k = 0; k < 4; k++) {
                    seen.add(SeedDerivation.perturbationSeed(run, step, k));
                }
            }
        }
        assertThat(seen).hasSize(2 * 200 * 4);
    }

    @Test
    void dataStreamIsDistinctFromPerturbationStream() {
        assertThat(SeedDerivation.value(42, 0, 1)).isNotEqualTo(SeedDerivation.perturbationSeed(42, 1, 0));
        assertThat(SeedDerivation.value(42, 3, 9)).isEqualTo(SeedDerivation.value(42, 3, 9));
        assertThat(SeedDerivation.value(42, 3, 9)).isNotEqualTo(SeedDerivation.value(42, 4, 9));
    }
}
