package io.seedflow.core.model.encoder;

/**
 * Scalar float functions of the encoder forward that Java lacks or that must be vectorisable: {@link #exp},
 * {@link #erf} and the exact-erf {@link #gelu}. Each is a fixed sequence of IEEE-754 add/mul/fma/compare operations
 * (no {@code Math.exp}), so {@link VectorEncoderKernel} evaluates the very same sequence lane by lane and gets the same
 * bits as the scalar fallback.
 *
 * <p><b>exp(x)</b>: Cody-Waite range reduction x = k ln2 + r with k = rint(x log2 e) (the 1.5 * 2^23 shifter rounds to
 * nearest), r reduced with a two-part ln2 by fma, so |r| <= ln2/2; e^r by its Taylor polynomial of degree 7 (truncation
 * below (ln2/2)^8 / 8! = 5.2e-9 relative); 2^k built in the exponent bits. x is clamped to [-87, 88] (k stays a normal
 * exponent; e^-87 = 1.6e-38 stands in for smaller values, harmless where exp is used: a softmax whose largest term is 1
 * and erfc of |x| <= 4). Error: float rounding only, below 1e-7 relative as measured in {@code EncoderMathTest}.
 *
 * <p><b>erf(x)</b>, a = |x|, sign restored at the end:
 * <ul>
 * <li>a <= 0.75: the Maclaurin series erf(a) = 2/sqrt(pi) sum_n (-1)^n a^(2n+1) / (n! (2n+1)) cut after n = 10 (the
 *     first omitted term is below 3.5e-11), by Horner in a^2;</li>
 * <li>0.75 < a < 4: erf(a) = 1 - e^(-a^2) g(a) with g(a) = e^(a^2) erfc(a), a smooth slowly varying function
 *     (about 1/(a sqrt(pi)) for large a), as a Chebyshev series of degree 15 on [0.75, 4] evaluated by Clenshaw's
 *     recurrence (stable in float). The coefficients are computed once at class initialisation with
 *     {@code StrictMath} (so every JVM gets the same floats) from g at 32 Chebyshev nodes, g itself by Laplace's
 *     continued fraction erfc(a) = e^(-a^2)/sqrt(pi) * 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))) evaluated backwards
 *     from depth 2000 (converged to double precision on [0.75, 4]); the omitted Chebyshev terms are below 3e-10.
 *     Because e^(-a^2) g(a) = erfc(a) <= 0.29 here, a relative error d in it is at most 0.41 d relative in erf;</li>
 * <li>a >= 4: erf = 1 (erfc(4) = 1.5e-8 is below half a float ulp of 1).</li>
 * </ul>
 * The mathematical approximation error is below 1e-9 relative; what remains is float rounding: the maximum relative
 * error against a 50-digit series is measured in {@code EncoderMathTest} (below 1e-7 over [-6, 6] in steps of 1/512).
 */
final class EncoderMath {
    static final float EXP_MIN = -87f;
    static final float EXP_MAX = 88f;
    static final float SHIFTER = 0x1.8p23f;
    static final float LOG2E = 1.44269504f;
    static final float LN2_HI = (float) 0.6931471805599453;
    static final float LN2_LO = (float) (0.6931471805599453 - LN2_HI);
    /** Taylor coefficients 1/n! of e^r, highest first (n = 7 .. 2); the last two steps use 1 and 1. */
    static final float[] EXP_POLY = {1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 1f / 2};

    static final float ERF_SERIES_LIMIT = 0.75f;
    static final float ERF_ONE_FROM = 4f;
    /** Maclaurin coefficients of erf(a)/a in a^2, highest first (n = 10 .. 1); n = 0 is 2/sqrt(pi) = hi + lo. */
    static final float[] ERF_SERIES = erfSeries(10);
    static final float ERF_C0_HI = (float) (2 / StrictMath.sqrt(StrictMath.PI));
    static final float ERF_C0_LO = (float) (2 / StrictMath.sqrt(StrictMath.PI) - ERF_C0_HI);
    static final float CHEB_LO = 0.75f;
    static final float CHEB_HI = 4f;
    static final float CHEB_CENTER = (CHEB_LO + CHEB_HI) / 2;
    static final float CHEB_INV_HALF_WIDTH = 2f / (CHEB_HI - CHEB_LO);
    /** Chebyshev coefficients c_15 .. c_1 of g on [0.75, 4] (highest first); {@link #CHEB_C0_HALF} is c_0 / 2. */
    static final float[] CHEB;
    static final float CHEB_C0_HALF;
    static final float INV_SQRT2 = 0.70710677f;

    static {
        double[] c = chebyshevOfG(16, 32);
        CHEB = new float[c.length - 1];
        for (int k = 1; k < c.length; k++) {
            CHEB[c.length - 1 - k] = (float) c[k];
        }
        CHEB_C0_HALF = (float) (c[0] / 2);
    }

    private EncoderMath() {
    }

    /** e^x for float x, see the class comment. */
    static float exp(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float t = Math.fma(x, LOG2E, SHIFTER);
        float k = t - SHIFTER;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = EXP_POLY[0];
        for (int i = 1; i < EXP_POLY.length; i++) {
            p = Math.fma(p, r, EXP_POLY[i]);
        }
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /** erf(x) for float x, see the class comment. */
    static float erf(float x) {
        float a = Math.abs(x);
        float r;
        if (a <= ERF_SERIES_LIMIT) {
            float s = a * a;
            float p = ERF_SERIES[0];
            for (int i = 1; i < ERF_SERIES.length; i++) {
                p = Math.fma(p, s, ERF_SERIES[i]);
            }
            // a (c0 + s p) with c0 in two parts: the leading term rounds once, in the final fma
            r = Math.fma(a, ERF_C0_HI, a * Math.fma(s, p, ERF_C0_LO));
        } else if (a < ERF_ONE_FROM) {
            float e = exp(-(a * a));
            r = Math.fma(-e, chebyshevG(a), 1f);
        } else {
            r = 1f;
        }
        return x < 0 ? -r : r;
    }

    /** GELU in its exact form 0.5 x (1 + erf(x / sqrt 2)), evaluated as (0.5 x) * (1 + erf(x * (1/sqrt 2))). */
    static float gelu(float x) {
        return (0.5f * x) * (1f + erf(x * INV_SQRT2));
    }

    /** g(a) = e^(a^2) erfc(a) by Clenshaw's recurrence over {@link #CHEB}. */
    static float chebyshevG(float a) {
        float t = (a - CHEB_CENTER) * CHEB_INV_HALF_WIDTH;
        float t2 = t + t;
        float b1 = 0f;
        float b2 = 0f;
        for (float c : CHEB) {
            float b0 = Math.fma(t2, b1, c - b2);
            b2 = b1;
            b1 = b0;
        }
        return Math.fma(t, b1, CHEB_C0_HALF - b2);
    }

    /** (2/sqrt(pi)) (-1)^n / (n! (2n+1)) for n = terms .. 1. */
    private static float[] erfSeries(int terms) {
        float[] c = new float[terms];
        double factorial = 1;
        for (int n = 1; n <= terms; n++) {
            factorial *= n;
            double v = 2 / StrictMath.sqrt(StrictMath.PI) / (factorial * (2 * n + 1));
            c[terms - n] = (float) (n % 2 == 0 ? v : -v);
        }
        return c;
    }

    /** Chebyshev coefficients c_0..c_(count-1) of g on [CHEB_LO, CHEB_HI] from its values at {@code nodes} nodes. */
    private static double[] chebyshevOfG(int count, int nodes) {
        double center = (CHEB_LO + CHEB_HI) / 2.0;
        double half = (CHEB_HI - CHEB_LO) / 2.0;
        double[] values = new double[nodes];
        for (int k = 0; k < nodes; k++) {
            values[k] = erfcScaled(center + half * StrictMath.cos(StrictMath.PI * (k + 0.5) / nodes));
        }
        double[] c = new double[count];
        for (int j = 0; j < count; j++) {
            double s = 0;
            for (int k = 0; k < nodes; k++) {
                s += values[k] * StrictMath.cos(StrictMath.PI * j * (k + 0.5) / nodes);
            }
            c[j] = 2.0 / nodes * s;
        }
        return c;
    }

    /** e^(a^2) erfc(a) for a >= 0.5 by Laplace's continued fraction, evaluated backwards from depth 2000. */
    static double erfcScaled(double a) {
        double f = a;
        for (int k = 2000; k >= 1; k--) {
            f = a + (k / 2.0) / f;
        }
        return 1 / (StrictMath.sqrt(StrictMath.PI) * f);
    }
}
