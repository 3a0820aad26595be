package io.seedflow.core.rng;

/**
 * Box-Muller transform from pairs of 32-bit words to pairs of standard normal floats, written with IEEE-754 binary32
 * operations whose results are fully specified (add, sub, mul, div, fma, sqrt, compares, integer ops) and
 * polynomial approximations of log, sin and cos whose coefficients are fixed below. The result is therefore the
 * same bits on any JVM, and a CUDA kernel that performs the same operations with {@code __fmaf_rn},
 * {@code __fmul_rn}, {@code __fadd_rn}, {@code __fdiv_rn} and {@code __fsqrt_rn} gets the same bits too.
 *
 * <p>The exact algorithm is specified in docs/update-log-spec.md ("Gaussian transform"); every line here maps to one
 * line there. Do not "simplify" an expression: reassociation changes bits.
 */
public final class DeterministicGaussian {
    // ln(1+f) = 2s + s * (s^2 * P(s^2)), s = f/(2+f); P's coefficients are 2/3, 2/5, 2/7, 2/9, 2/11 rounded to float.
    static final float L1 = Float.intBitsToFloat(0x3f2aaaab);
    static final float L2 = Float.intBitsToFloat(0x3ecccccd);
    static final float L3 = Float.intBitsToFloat(0x3e924925);
    static final float L4 = Float.intBitsToFloat(0x3e638e39);
    static final float L5 = Float.intBitsToFloat(0x3e3a2e8c);
    static final float LN2 = Float.intBitsToFloat(0x3f317218);
    static final float SQRT2 = Float.intBitsToFloat(0x3fb504f3);
    // sin(pi/2 * r) = r * S(r^2) and cos(pi/2 * r) = 1 + r^2 * C(r^2) on r in [-1/2, 1/2]: Taylor coefficients.
    static final float S1 = Float.intBitsToFloat(0x3fc90fdb);
    static final float S3 = Float.intBitsToFloat(0xbf255de7);
    static final float S5 = Float.intBitsToFloat(0x3da335e3);
    static final float S7 = Float.intBitsToFloat(0xbb996966);
    static final float S9 = Float.intBitsToFloat(0x39283c1a);
    static final float C2 = Float.intBitsToFloat(0xbf9de9e6);
    static final float C4 = Float.intBitsToFloat(0x3e81e0f8);
    static final float C6 = Float.intBitsToFloat(0xbcaae9e4);
    static final float C8 = Float.intBitsToFloat(0x3a70fa83);
    static final float C10 = Float.intBitsToFloat(0xb7d368f9);
    static final float TWO_POW_MINUS_24 = 0x1p-24f;

    private DeterministicGaussian() {
    }

    /** Maps a word to the open interval (0, 1): u = (2*(x >>> 9) + 1) * 2^-24, exact in binary32. */
    public static float uniform(int word) {
        return (float) (2 * (word >>> 9) + 1) * TWO_POW_MINUS_24;
    }

    /** Natural logarithm of u in (0, 1) by the procedure of the spec (not Math.log: its last bit is unspecified). */
    public static float log(float u) {
        int bits = Float.floatToRawIntBits(u);
        int e = ((bits >>> 23) & 0xff) - 127;
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f800000);
        if (m > SQRT2) {
            m = m * 0.5f;
            e = e + 1;
        }
        float f = m - 1.0f;
        float s = f / (2.0f + f);
        float w = s * s;
        float p = Math.fma(L5, w, L4);
        p = Math.fma(p, w, L3);
        p = Math.fma(p, w, L2);
        p = Math.fma(p, w, L1);
        float t = w * p;
        float lnm = Math.fma(s, t, 2.0f * s);
        return Math.fma((float) e, LN2, lnm);
    }

    /**
     * Writes the two normals of the pair (a, b) to {@code out[offset]} (r cos 2 pi u2) and {@code out[offset+1]}
     * (r sin 2 pi u2), where u1 = uniform(a), u2 = uniform(b) and r = sqrt(-2 ln u1).
     */
    public static void pair(int a, int b, float[] out, int offset) {
        float r = (float) Math.sqrt(-2.0f * log(uniform(a)));
        float t = uniform(b) * 4.0f;
        int q = (int) t;
        float x = t - (float) q;
        if (x > 0.5f) {
            x = x - 1.0f;
            q = q + 1;
        }
        float x2 = x * x;
        float sp = Math.fma(S9, x2, S7);
        sp = Math.fma(sp, x2, S5);
        sp = Math.fma(sp, x2, S3);
        sp = Math.fma(sp, x2, S1);
        float sin = x * sp;
        float cp = Math.fma(C10, x2, C8);
        cp = Math.fma(cp, x2, C6);
        cp = Math.fma(cp, x2, C4);
        cp = Math.fma(cp, x2, C2);
        float cos = Math.fma(cp, x2, 1.0f);
        float c;
        float s;
        switch (q & 3) {
            case 0: c = cos; s = sin; break;
            case 1: c = -sin; s = cos; break;
            case 2: c = -cos; s = -sin; break;
            default: c = sin; s = -cos; break;
        }
        out[offset] = r * c;
        out[offset + 1] = r * s;
    }
}
