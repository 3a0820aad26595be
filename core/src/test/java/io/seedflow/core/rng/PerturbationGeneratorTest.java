package io.seedflow.core.rng;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The direction z(seed, tensor, element) of spec section 3: pinned bit for bit by the golden vectors, the same
 * whichever way a range is generated (one element, any sub-range, vector or scalar path), and a faithful standard
 * normal.
 */
class PerturbationGeneratorTest {

    record GoldenRow(long seed, int tensor, long element, int bits, String line) {
    }

    private static List<GoldenRow> golden;

    @BeforeAll
    static void readGolden() throws IOException {
        golden = new ArrayList<>();
        try (InputStream in = PerturbationGeneratorTest.class.getResourceAsStream("/golden/gaussian-v1.csv")) {
            assertThat(in).as("golden/gaussian-v1.csv on the test class path").isNotNull();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = null;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (header == null) {
                    header = line;
                    assertThat(header).isEqualTo("seed,tensor,element,float_bits_hex,value");
                    continue;
                }
                String[] f = line.split(",");
                assertThat(f).as(line).hasSize(5);
                int bits = Integer.parseUnsignedInt(f[3], 16);
                // the informative decimal column must be the same float as the normative bits
                assertThat(Float.floatToRawIntBits(Float.parseFloat(f[4]))).as(line).isEqualTo(bits);
                golden.add(new GoldenRow(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]), bits, line));
            }
        }
    }

    @Test
    void goldenFileCoversTheRequiredCases() {
        assertThat(golden).hasSizeGreaterThanOrEqualTo(100);
        assertThat(golden).extracting(GoldenRow::seed).contains(0L, 1L, 42L, -1L, 0x9E3779B97F4A7C15L);
        assertThat(golden).extracting(GoldenRow::tensor).contains(0, 1, 7, 1000);
        assertThat(golden).extracting(GoldenRow::element)
                .contains(0L, 1L, 2L, 3L, 4L, 5L, 1023L, (1L << 20) + 3, (1L << 33) + 1);
        // some element whose Philox block index needs the counter's high word
        assertThat(golden).anySatisfy(g -> assertThat(g.element() >>> 2 >>> 32).isPositive());
    }

    @Test
    void elementReproducesGoldenVectors() {
        for (GoldenRow g : golden) {
            float z = PerturbationGenerator.element(g.seed(), g.tensor(), g.element());
            assertThat(hex(z)).as(g.line()).isEqualTo(hex(g.bits()));
        }
    }

    @Test
    void fillReproducesGoldenVectorsFromAlignedAndUnalignedRanges() {
        // ranges around each golden element: starting on it, before it (aligned and not), short and long enough
        // for the vectorised path, and written at a non-zero offset of the output array
        int[][] startsBeforeAndLengths = {{0, 1}, {1, 2}, {3, 4}, {4, 5}, {5, 9}, {0, 64}, {13, 70}, {37, 150}};
        for (GoldenRow g : golden) {
            for (int[] sl : startsBeforeAndLengths) {
                long from = g.element() - sl[0];
                if (from < 0) {
                    continue;
                }
                int offset = 3;
                float[] out = new float[offset + sl[1] + 2];
                PerturbationGenerator.fill(g.seed(), g.tensor(), from, out, offset, sl[1]);
                float z = out[offset + (int) (g.element() - from)];
                assertThat(hex(z)).as("%s via fill(from=%d, length=%d)", g.line(), from, sl[1]).isEqualTo(hex(g.bits()));
            }
        }
    }

    @Test
    void elementFollowsTheSpecDefinition() {
        // z[t][e] = lane e mod 4 of pair(x0, x1) ++ pair(x2, x3), Philox counter (lo b, hi b, t, 0), key (lo s, hi s)
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 2000; i++) {
            long seed = rnd.nextLong();
            int t = rnd.nextInt(5000);
            long e = i < 1000 ? rnd.nextLong(1L << 40) : rnd.nextInt(100);
            assertThat(hex(PerturbationGenerator.element(seed, t, e))).isEqualTo(hex(specZ(seed, t, e)));
        }
    }

    @Test
    void fillOfAnySubRangeEqualsElementwiseValues() {
        long seed = 0x5eed5eed1234L;
        int tensor = 3;
        for (long base : new long[] {0, 1000, (1L << 32) * 4 - 8, (1L << 34) - 2}) {
            float[] expected = new float[200];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = PerturbationGenerator.element(seed, tensor, base + i);
            }
            for (int start = 0; start < 8; start++) {
                for (int length = 0; length <= 9; length++) {
                    checkFill(seed, tensor, base, expected, start, length);
                }
                // longer ranges, so the bulk (vectorised) loop runs and is followed by an unaligned tail
                for (int length : new int[] {15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 150, 191}) {
                    checkFill(seed, tensor, base, expected, start, length);
                }
            }
        }
    }

    @Test
    void fillAcrossTheCounterLowWordWrap() {
        // block 2^32 - 1 is the last with hi(b) = 0; the next has lo(b) = 0, hi(b) = 1
        long seed = -1L;
        long from = (1L << 34) - 37;
        float[] out = new float[101];
        PerturbationGenerator.fill(seed, 0, from, out, 0, out.length);
        for (int i = 0; i < out.length; i++) {
            assertThat(hex(out[i])).as("element %d", from + i).isEqualTo(hex(specZ(seed, 0, from + i)));
        }
    }

    @Test
    void chunkedFillsConcatenateToTheWholeTensor() {
        long seed = 77;
        int n = 100_003;
        float[] whole = new float[n];
        PerturbationGenerator.fill(seed, 2, 0, whole, 0, n);
        float[] pieces = new float[n];
        SplittableRandom rnd = new SplittableRandom(5);
        int pos = 0;
        while (pos < n) {
            int len = Math.min(n - pos, rnd.nextInt(300));
            PerturbationGenerator.fill(seed, 2, pos, pieces, pos, len);
            pos += len;
        }
        assertThat(pieces).isEqualTo(whole);
        for (int i = 0; i < n; i += 997) {
            assertThat(hex(whole[i])).isEqualTo(hex(PerturbationGenerator.element(seed, 2, i)));
        }
    }

    /**
     * Bulk digests: 2^20 elements (the vectorised path where available) and 8192 elements across the counter's
     * low-word wrap. Computed by this class and, from the spec alone, by an independent NumPy implementation with
     * exact binary32 fma; they agree. Every element must also equal the scalar element() path.
     */
    @Test
    void bulkFillIsPinnedAndEqualsTheScalarPath() throws Exception {
        float[] z = new float[1 << 20];
        PerturbationGenerator.fill(0x5EED, 3, 0, z, 0, z.length);
        assertThat(DeterministicGaussianTest.sha256(z))
                .isEqualTo("f0d2e6c2461aab532b89ff5a38d35d64592c14029ce94cbe9ffa5866a31483a9");
        for (int i = 0; i < z.length; i++) {
            if (Float.floatToRawIntBits(z[i]) != Float.floatToRawIntBits(PerturbationGenerator.element(0x5EED, 3, i))) {
                fail("element %d: fill gives %s, element() gives %s", i, z[i], PerturbationGenerator.element(0x5EED, 3, i));
            }
        }
        float[] wrap = new float[8192];
        PerturbationGenerator.fill(-1L, 1000, (1L << 34) - 4096, wrap, 0, wrap.length);
        assertThat(DeterministicGaussianTest.sha256(wrap))
                .isEqualTo("374097e0e1d6d3eb986bf19c5f219d07a810a90e58f58158490e6369e1e40dd0");
    }

    @Test
    void tensorIndexAndSeedSelectIndependentStreams() {
        float[] a = new float[64];
        float[] b = new float[64];
        float[] c = new float[64];
        PerturbationGenerator.fill(1, 0, 0, a, 0, 64);
        PerturbationGenerator.fill(1, 1, 0, b, 0, 64);
        PerturbationGenerator.fill(2, 0, 0, c, 0, 64);
        assertThat(a).isNotEqualTo(b).isNotEqualTo(c);
        // a seed differing only in its high word is a different key word
        PerturbationGenerator.fill(1L | (1L << 32), 0, 0, c, 0, 64);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void oneMillionSamplesAreStandardNormal() {
        int n = 1_000_000;
        float[] z = new float[n];
        PerturbationGenerator.fill(0xC0FFEEL, 4, 12_345, z, 0, n);
        double sum = 0;
        double sumSq = 0;
        int tail = 0;
        double[] sorted = new double[n];
        for (int i = 0; i < n; i++) {
            double v = z[i];
            assertThat(Double.isFinite(v)).isTrue();
            sum += v;
            sumSq += v * v;
            if (Math.abs(v) > 1.96) {
                tail++;
            }
            sorted[i] = v;
        }
        double mean = sum / n;
        double variance = sumSq / n - mean * mean;
        assertThat(mean).as("mean").isBetween(-0.005, 0.005);
        assertThat(variance).as("variance").isBetween(0.99, 1.01);
        assertThat((double) tail / n).as("P(|z| > 1.96)").isBetween(0.046, 0.054);
        Arrays.sort(sorted);
        // the reference CDF itself: Phi(0) = 0.5, Phi(1.96) = 0.9750021, Phi(-1) = 0.1586553
        assertThat(normalCdf(0)).isCloseTo(0.5, Offset.offset(1e-7));
        assertThat(normalCdf(1.96)).isCloseTo(0.9750021048517795, Offset.offset(1e-7));
        assertThat(normalCdf(-1)).isCloseTo(0.15865525393145707, Offset.offset(1e-7));
        double ks = 0;
        for (int i = 0; i < n; i++) {
            double cdf = normalCdf(sorted[i]);
            ks = Math.max(ks, Math.max(cdf - (double) i / n, (double) (i + 1) / n - cdf));
        }
        assertThat(ks).as("Kolmogorov-Smirnov distance to N(0,1)").isLessThan(0.003);
    }

    @Test
    void lanesAndNeighboursAreUncorrelated() {
        int n = 1_000_000;
        float[] z0 = new float[n];
        float[] z1 = new float[n];
        float[] zs = new float[n];
        PerturbationGenerator.fill(99, 0, 0, z0, 0, n);
        PerturbationGenerator.fill(99, 1, 0, z1, 0, n);
        PerturbationGenerator.fill(100, 0, 0, zs, 0, n);
        // standard error of a correlation over 1e6 (2.5e5) pairs is 0.001 (0.002): 0.006 is ~5 sigma
        assertThat(correlation(z0, 0, z0, 1, n - 1, 1)).as("adjacent elements").isBetween(-0.006, 0.006);
        assertThat(correlation(z0, 0, z1, 0, n, 1)).as("same element, next tensor").isBetween(-0.006, 0.006);
        assertThat(correlation(z0, 0, zs, 0, n, 1)).as("same element, next seed").isBetween(-0.006, 0.006);
        // within a quadruple: cos/sin of one pair (0,1) and the two pairs (0,2)
        assertThat(correlation(z0, 0, z0, 1, n / 4, 4)).as("lanes 0 and 1").isBetween(-0.01, 0.01);
        assertThat(correlation(z0, 0, z0, 2, n / 4, 4)).as("lanes 0 and 2").isBetween(-0.01, 0.01);
        for (int lane = 0; lane < 4; lane++) {
            double s = 0;
            double s2 = 0;
            for (int i = lane; i < n; i += 4) {
                s += z0[i];
                s2 += (double) z0[i] * z0[i];
            }
            double m = s / (n / 4);
            assertThat(m).as("lane %d mean", lane).isBetween(-0.01, 0.01);
            assertThat(s2 / (n / 4) - m * m).as("lane %d variance", lane).isBetween(0.98, 1.02);
        }
    }

    private static void checkFill(long seed, int tensor, long base, float[] expected, int start, int length) {
        int offset = 5;
        float[] out = new float[offset + length + 5];
        Arrays.fill(out, Float.NaN);
        PerturbationGenerator.fill(seed, tensor, base + start, out, offset, length);
        for (int i = 0; i < out.length; i++) {
            if (i < offset || i >= offset + length) {
                if (!Float.isNaN(out[i])) {
                    fail("fill(from=%d, length=%d) wrote outside its range at out[%d]", base + start, length, i);
                }
            } else if (Float.floatToRawIntBits(out[i]) != Float.floatToRawIntBits(expected[start + i - offset])) {
                fail("fill(from=%d, length=%d): element %d is %s, element() gives %s", base + start, length,
                        base + start + i - offset, out[i], expected[start + i - offset]);
            }
        }
    }

    /** z straight from the spec's definition, built from the two primitives. */
    static float specZ(long seed, int t, long e) {
        long b = e >>> 2;
        int[] x = new int[4];
        Philox4x32.block((int) b, (int) (b >>> 32), t, 0, (int) seed, (int) (seed >>> 32), x, 0);
        float[] n = new float[4];
        DeterministicGaussian.pair(x[0], x[1], n, 0);
        DeterministicGaussian.pair(x[2], x[3], n, 2);
        return n[(int) (e & 3)];
    }

    private static double correlation(float[] a, int aOff, float[] b, int bOff, int count, int stride) {
        double sa = 0;
        double sb = 0;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < count; i++) {
            double x = a[aOff + i * stride];
            double y = b[bOff + i * stride];
            sa += x;
            sb += y;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        double cov = sab / count - (sa / count) * (sb / count);
        return cov / Math.sqrt((saa / count - Math.pow(sa / count, 2)) * (sbb / count - Math.pow(sb / count, 2)));
    }

    /** Phi(x) = (1 + erf(x / sqrt 2)) / 2. */
    static double normalCdf(double x) {
        return 0.5 * (1 + erf(x / Math.sqrt(2)));
    }

    /**
     * erf via the complementary error function of Numerical Recipes (erfcc, Chebyshev fit, fractional error < 1.2e-7
     * everywhere): far below the 0.003 KS bound.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - ans : ans - 1;
    }

    private static String hex(float f) {
        return hex(Float.floatToRawIntBits(f));
    }

    private static String hex(int bits) {
        return String.format("%08x", bits);
    }
}
