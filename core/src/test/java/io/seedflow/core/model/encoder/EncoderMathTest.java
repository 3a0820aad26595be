package io.seedflow.core.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/**
 * {@link EncoderMath} against high-precision references: erf by its Maclaurin series summed in 50-digit decimal
 * arithmetic (exact enough for |x| <= 6, where the alternating terms reach 1e13), exp against {@code StrictMath.exp}.
 */
class EncoderMathTest {
    private static final MathContext MC = new MathContext(50);
    private static final BigDecimal TWO_OVER_SQRT_PI = new BigDecimal(
            "1.1283791670955125738961589031215451716881012586580");

    /** erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)), summed until the terms fall below 1e-40. */
    static double erfReference(double x) {
        BigDecimal bx = new BigDecimal(x);
        BigDecimal x2 = bx.multiply(bx, MC);
        BigDecimal power = bx; // x^(2n+1) / n!
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal tiny = new BigDecimal("1e-40");
        for (int n = 0; n < 2000; n++) {
            BigDecimal term = power.divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = n % 2 == 0 ? sum.add(term, MC) : sum.subtract(term, MC);
            if (n > x * x && term.abs().compareTo(tiny) < 0) {
                break;
            }
            power = power.multiply(x2, MC).divide(BigDecimal.valueOf(n + 1L), MC);
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC).doubleValue();
    }

    @Test
    void erfIsWithin1e7RelativeOfAFiftyDigitSeries() {
        double worst = 0;
        float worstAt = 0;
        for (float x = -6f; x <= 6f; x += 1f / 512) {
            double ref = erfReference(x);
            double rel = ref == 0 ? Math.abs(EncoderMath.erf(x)) : Math.abs(EncoderMath.erf(x) - ref) / Math.abs(ref);
            if (rel > worst) {
                worst = rel;
                worstAt = x;
            }
        }
        for (float x : new float[] {1e-30f, 1e-6f, 0.749999f, 0.75f, 0.7500001f, 3.9999998f, 4f, 5.5f}) {
            assertThat(Math.abs(EncoderMath.erf(x) - erfReference(x)) / erfReference(x)).as("erf(%s)", x)
                    .isLessThan(1e-7);
            assertThat(EncoderMath.erf(-x)).isEqualTo(-EncoderMath.erf(x));
        }
        assertThat(EncoderMath.erf(100f)).isEqualTo(1f);
        assertThat(EncoderMath.erf(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
        System.out.printf("erf: max relative error %.3g at x = %s%n", worst, worstAt);
        // the approximation itself is below 1e-9; what is left is float rounding, under one ulp of the result
        assertThat(worst).as("max relative error of erf, worst at x = %s", worstAt).isLessThan(1e-7);
    }

    @Test
    void theContinuedFractionBehindTheCoefficientsMatchesTheSeries() {
        for (double a = 0.75; a <= 4; a += 0.25) {
            double erfc = EncoderMath.erfcScaled(a) * StrictMath.exp(-a * a);
            assertThat(Math.abs(1 - erfc - erfReference(a))).as("erf(%s) from the continued fraction", a)
                    .isLessThan(1e-15);
        }
    }

    @Test
    void expIsWithinTwoFloatUlps() {
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 1f / 1024) {
            double ref = StrictMath.exp(x);
            worst = Math.max(worst, Math.abs(EncoderMath.exp(x) - ref) / ref);
        }
        System.out.printf("exp: max relative error %.3g%n", worst);
        assertThat(worst).isLessThan(2.4e-7);
        assertThat(EncoderMath.exp(0f)).isEqualTo(1f);
        assertThat(EncoderMath.exp(Float.NEGATIVE_INFINITY)).isLessThan(1e-37f);
    }

    @Test
    void geluIsTheExactErfForm() {
        for (float x = -10f; x <= 10f; x += 1f / 64) {
            double ref = 0.5 * x * (1 + erfReference(x / Math.sqrt(2)));
            // absolute: for negative x, 1 + erf cancels in float exactly as in the float ONNX graph
            assertThat(Math.abs(EncoderMath.gelu(x) - ref)).as("gelu(%s)", x)
                    .isLessThanOrEqualTo(3e-7 * Math.max(1, Math.abs(x)));
        }
        assertThat(EncoderMath.gelu(0f)).isEqualTo(0f);
        assertThat(EncoderMath.gelu(10f)).isEqualTo(10f);
    }

    /** The vector exp (softmax, GELU) gives the scalar's bits on every lane, over the whole clamped range. */
    @Test
    void vectorExpGivesTheScalarBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(EncoderKernels.vectorOrNull() != null,
                "the Vector API module is not present");
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        float[] in = new float[lanes];
        float[] out = new float[lanes];
        float[] specials = {0f, -0f, 1e-30f, -1e-30f, -87f, -87.5f, 88f, 88.7f, -200f, 200f, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        java.util.List<Float> xs = new java.util.ArrayList<>();
        for (float x = -100f; x <= 100f; x += 1f / 512) {
            xs.add(x);
        }
        for (float x : specials) {
            xs.add(x);
        }
        for (int i = 0; i < xs.size(); i += lanes) {
            for (int l = 0; l < lanes; l++) {
                in[l] = xs.get(Math.min(i + l, xs.size() - 1));
            }
            VectorEncoderKernel.exp(jdk.incubator.vector.FloatVector.fromArray(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, in, 0))
                    .intoArray(out, 0);
            for (int l = 0; l < lanes; l++) {
                assertThat(Float.floatToRawIntBits(out[l])).as("exp(%s)", in[l])
                        .isEqualTo(Float.floatToRawIntBits(EncoderMath.exp(in[l])));
            }
        }
    }
}
