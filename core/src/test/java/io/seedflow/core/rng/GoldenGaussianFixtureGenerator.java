package io.seedflow.core.rng;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One-off generator of {@code src/test/resources/golden/gaussian-v1.csv}; not a test (no {@code *Test} suffix, so
 * surefire never runs it). The checked-in file pins format version 1: it must NEVER be regenerated for v1. If the
 * v1 Gaussian transform changes, that is a new format version with its own fixture.
 *
 * <p>Usage (from core/): {@code java -cp target/classes:target/test-classes
 * io.seedflow.core.rng.GoldenGaussianFixtureGenerator src/test/resources/golden/gaussian-v1.csv}
 */
final class GoldenGaussianFixtureGenerator {
    static final long[] SEEDS = {0L, 1L, 42L, -1L, 0x9E3779B97F4A7C15L};
    static final int[] TENSORS = {0, 1, 7, 1000};
    /** 2^33+1: top bit of the counter's low word set; 2^34+1 and 2^36+7: counter high word non-zero. */
    static final long[] ELEMENTS = {0, 1, 2, 3, 4, 5, 1023, (1L << 20) + 3, (1L << 33) + 1, (1L << 34) + 1,
        (1L << 36) + 7};

    private GoldenGaussianFixtureGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        if (Files.exists(out)) {
            throw new IllegalStateException(out + " exists; the v1 golden file must never be regenerated");
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            w.print("""
                    # Golden vectors of the SeedFlow perturbation direction z, update-log format version 1.
                    # They pin the v1 Gaussian transform of docs/update-log-spec.md section 3 (Philox4x32-10 keyed by the
                    # seed, counter (lo(e/4), hi(e/4), tensor, 0), Box-Muller with the fixed float log/sin/cos procedures).
                    # Every replica, on any JVM or GPU, must reproduce float_bits_hex exactly.
                    # NEVER regenerate or edit this file for v1: a change here means v1 replicas no longer agree.
                    # Columns: seed = the 64-bit seed as a signed decimal (Avro/Java long; -1 is 0xffffffffffffffff),
                    # tensor = tensor index, element = element index, float_bits_hex = IEEE-754 binary32 bits of z,
                    # value = the same float in decimal (informative; the bits are normative).
                    # Elements 2^33+1 set the top bit of the counter's low word; 2^34+1 and 2^36+7 make its high word non-zero.
                    seed,tensor,element,float_bits_hex,value
                    """);
            for (int si = 0; si < SEEDS.length; si++) {
                for (int ei = 0; ei < ELEMENTS.length; ei++) {
                    // two of the four tensor indices per (seed, element), rotating, so every pair of seed and tensor
                    // and every pair of element and tensor occurs
                    for (int ti : new int[] {(si + ei) % TENSORS.length, (si + ei + 2) % TENSORS.length}) {
                        long seed = SEEDS[si];
                        int tensor = TENSORS[ti];
                        long element = ELEMENTS[ei];
                        float z = PerturbationGenerator.element(seed, tensor, element);
                        w.printf(Locale.ROOT, "%d,%d,%d,%08x,%s%n", seed, tensor, element, Float.floatToRawIntBits(z),
                                Float.toString(z));
                    }
                }
            }
        }
    }
}
