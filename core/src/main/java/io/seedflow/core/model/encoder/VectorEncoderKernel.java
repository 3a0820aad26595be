package io.seedflow.core.model.encoder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link EncoderKernel} on the JDK Vector API (incubator in Java 17; {@link EncoderKernels} falls back to
 * {@link ScalarEncoderKernel} without the module). The matmul broadcasts one x element and multiplies it into vectors
 * along the output dimension of the {@code [in, out]} weight: a register tile of 4 rows by 4 vectors (16 accumulators;
 * 4 by 2 below 512-bit vectors), over panels of that many vectors of columns and blocks of {@link #KC} inner steps, so
 * the panel's weight block (KC x 4 vectors: 32 KiB at 512-bit vectors) stays in L1 while every row of the call streams
 * past it; narrower panels, single rows and a scalar tail cover the edges. Lanes are output columns, so each element's
 * fma chain is the contract's whatever the vector width or tile shape; the element-wise functions repeat
 * {@link EncoderMath}'s operation sequence lane by lane.
 */
final class VectorEncoderKernel implements EncoderKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Inner-dimension block: accumulators go back to y between blocks (same chain, only stored and reloaded). */
    static final int KC = 128;
    /**
     * 4 x 4-vector register tiles need 21 vector registers: with 512-bit vectors (32 registers) use them; with
     * narrower ones (AVX2 has 16 registers) the 4 x 2 tile avoids spilling accumulators.
     */
    private static final boolean WIDE = S.vectorBitSize() >= 512;

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void matmul(int rows, int in, int out, Mat x, Mat w, float[] bias, int biasOff, Mat residual, Mat y,
            boolean gelu) {
        int p = 0;
        if (WIDE) {
            for (; p + 4 * L <= out; p += 4 * L) {
                panel(4, rows, in, p, x, w, bias, biasOff, residual, y, gelu);
            }
        }
        for (; p + 2 * L <= out; p += 2 * L) {
            panel(2, rows, in, p, x, w, bias, biasOff, residual, y, gelu);
        }
        for (; p + L <= out; p += L) {
            panel(1, rows, in, p, x, w, bias, biasOff, residual, y, gelu);
        }
        if (p < out) {
            ScalarEncoderKernel.columns(rows, in, p, out, x, w, bias, biasOff, residual, y, gelu);
        }
    }

    /** Columns p .. p + vectors * L of every row: inner blocks of KC, register tiles of 4 rows, then the epilogue. */
    private static void panel(int vectors, int rows, int in, int p, Mat x, Mat w, float[] bias, int biasOff,
            Mat residual, Mat y, boolean gelu) {
        for (int k0 = 0; k0 < in; k0 += KC) {
            int k1 = Math.min(in, k0 + KC);
            int r = 0;
            if (vectors > 1) {
                for (; r + 4 <= rows; r += 4) {
                    if (vectors == 4) {
                        tile4x4(r, p, k0, k1, x, w, bias, biasOff, y);
                    } else {
                        tile4x2(r, p, k0, k1, x, w, bias, biasOff, y);
                    }
                }
            }
            for (; r < rows; r++) {
                tile1(r, p, vectors, k0, k1, x, w, bias, biasOff, y);
            }
        }
        epilogue(rows, p, vectors * L, residual, y, gelu);
    }

    private static FloatVector start(boolean first, float[] bias, int bi, float[] y, int yi) {
        if (!first) {
            return FloatVector.fromArray(S, y, yi);
        }
        return bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, bi);
    }

    /** Rows r..r+3, columns p..p+4L, inner steps k0..k1. */
    private static void tile4x4(int r, int p, int k0, int k1, Mat x, Mat w, float[] bias, int biasOff, Mat y) {
        boolean first = k0 == 0;
        float[] ya = y.a();
        int bi = biasOff + p;
        int y0 = y.off() + r * y.ld() + p;
        int y1 = y0 + y.ld();
        int y2 = y1 + y.ld();
        int y3 = y2 + y.ld();
        FloatVector c00 = start(first, bias, bi, ya, y0);
        FloatVector c01 = start(first, bias, bi + L, ya, y0 + L);
        FloatVector c02 = start(first, bias, bi + 2 * L, ya, y0 + 2 * L);
        FloatVector c03 = start(first, bias, bi + 3 * L, ya, y0 + 3 * L);
        FloatVector c10 = start(first, bias, bi, ya, y1);
        FloatVector c11 = start(first, bias, bi + L, ya, y1 + L);
        FloatVector c12 = start(first, bias, bi + 2 * L, ya, y1 + 2 * L);
        FloatVector c13 = start(first, bias, bi + 3 * L, ya, y1 + 3 * L);
        FloatVector c20 = start(first, bias, bi, ya, y2);
        FloatVector c21 = start(first, bias, bi + L, ya, y2 + L);
        FloatVector c22 = start(first, bias, bi + 2 * L, ya, y2 + 2 * L);
        FloatVector c23 = start(first, bias, bi + 3 * L, ya, y2 + 3 * L);
        FloatVector c30 = start(first, bias, bi, ya, y3);
        FloatVector c31 = start(first, bias, bi + L, ya, y3 + L);
        FloatVector c32 = start(first, bias, bi + 2 * L, ya, y3 + 2 * L);
        FloatVector c33 = start(first, bias, bi + 3 * L, ya, y3 + 3 * L);
        float[] xa = x.a();
        float[] wa = w.a();
        int x0 = x.off() + r * x.ld();
        int x1 = x0 + x.ld();
        int x2 = x1 + x.ld();
        int x3 = x2 + x.ld();
        int ld = w.ld();
        int wo = w.off() + k0 * ld + p;
        for (int i = k0; i < k1; i++, wo += ld) {
            FloatVector w0 = FloatVector.fromArray(S, wa, wo);
            FloatVector w1 = FloatVector.fromArray(S, wa, wo + L);
            FloatVector w2 = FloatVector.fromArray(S, wa, wo + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, wa, wo + 3 * L);
            FloatVector xv = FloatVector.broadcast(S, xa[x0 + i]);
            c00 = w0.fma(xv, c00);
            c01 = w1.fma(xv, c01);
            c02 = w2.fma(xv, c02);
            c03 = w3.fma(xv, c03);
            xv = FloatVector.broadcast(S, xa[x1 + i]);
            c10 = w0.fma(xv, c10);
            c11 = w1.fma(xv, c11);
            c12 = w2.fma(xv, c12);
            c13 = w3.fma(xv, c13);
            xv = FloatVector.broadcast(S, xa[x2 + i]);
            c20 = w0.fma(xv, c20);
            c21 = w1.fma(xv, c21);
            c22 = w2.fma(xv, c22);
            c23 = w3.fma(xv, c23);
            xv = FloatVector.broadcast(S, xa[x3 + i]);
            c30 = w0.fma(xv, c30);
            c31 = w1.fma(xv, c31);
            c32 = w2.fma(xv, c32);
            c33 = w3.fma(xv, c33);
        }
        c00.intoArray(ya, y0);
        c01.intoArray(ya, y0 + L);
        c02.intoArray(ya, y0 + 2 * L);
        c03.intoArray(ya, y0 + 3 * L);
        c10.intoArray(ya, y1);
        c11.intoArray(ya, y1 + L);
        c12.intoArray(ya, y1 + 2 * L);
        c13.intoArray(ya, y1 + 3 * L);
        c20.intoArray(ya, y2);
        c21.intoArray(ya, y2 + L);
        c22.intoArray(ya, y2 + 2 * L);
        c23.intoArray(ya, y2 + 3 * L);
        c30.intoArray(ya, y3);
        c31.intoArray(ya, y3 + L);
        c32.intoArray(ya, y3 + 2 * L);
        c33.intoArray(ya, y3 + 3 * L);
    }

    /** Rows r..r+3, columns p..p+2L (where 4x4 would not fit the registers, or at the edge of the 4x4 tiling). */
    private static void tile4x2(int r, int p, int k0, int k1, Mat x, Mat w, float[] bias, int biasOff, Mat y) {
        boolean first = k0 == 0;
        float[] ya = y.a();
        int bi = biasOff + p;
        int y0 = y.off() + r * y.ld() + p;
        int y1 = y0 + y.ld();
        int y2 = y1 + y.ld();
        int y3 = y2 + y.ld();
        FloatVector c00 = start(first, bias, bi, ya, y0);
        FloatVector c01 = start(first, bias, bi + L, ya, y0 + L);
        FloatVector c10 = start(first, bias, bi, ya, y1);
        FloatVector c11 = start(first, bias, bi + L, ya, y1 + L);
        FloatVector c20 = start(first, bias, bi, ya, y2);
        FloatVector c21 = start(first, bias, bi + L, ya, y2 + L);
        FloatVector c30 = start(first, bias, bi, ya, y3);
        FloatVector c31 = start(first, bias, bi + L, ya, y3 + L);
        float[] xa = x.a();
        float[] wa = w.a();
        int x0 = x.off() + r * x.ld();
        int x1 = x0 + x.ld();
        int x2 = x1 + x.ld();
        int x3 = x2 + x.ld();
        int ld = w.ld();
        int wo = w.off() + k0 * ld + p;
        for (int i = k0; i < k1; i++, wo += ld) {
            FloatVector w0 = FloatVector.fromArray(S, wa, wo);
            FloatVector w1 = FloatVector.fromArray(S, wa, wo + L);
            FloatVector xv = FloatVector.broadcast(S, xa[x0 + i]);
            c00 = w0.fma(xv, c00);
            c01 = w1.fma(xv, c01);
            xv = FloatVector.broadcast(S, xa[x1 + i]);
            c10 = w0.fma(xv, c10);
            c11 = w1.fma(xv, c11);
            xv = FloatVector.broadcast(S, xa[x2 + i]);
            c20 = w0.fma(xv, c20);
            c21 = w1.fma(xv, c21);
            xv = FloatVector.broadcast(S, xa[x3 + i]);
            c30 = w0.fma(xv, c30);
            c31 = w1.fma(xv, c31);
        }
        c00.intoArray(ya, y0);
        c01.intoArray(ya, y0 + L);
        c10.intoArray(ya, y1);
        c11.intoArray(ya, y1 + L);
        c20.intoArray(ya, y2);
        c21.intoArray(ya, y2 + L);
        c30.intoArray(ya, y3);
        c31.intoArray(ya, y3 + L);
    }

    /** One row, {@code vectors} vectors of columns from p, one vector at a time (edges of the 4x4 tiling). */
    private static void tile1(int r, int p, int vectors, int k0, int k1, Mat x, Mat w, float[] bias, int biasOff,
            Mat y) {
        float[] xa = x.a();
        float[] wa = w.a();
        int xo = x.off() + r * x.ld();
        int ld = w.ld();
        for (int v = 0; v < vectors; v++) {
            int col = p + v * L;
            int yi = y.off() + r * y.ld() + col;
            FloatVector c = start(k0 == 0, bias, biasOff + col, y.a(), yi);
            int wo = w.off() + k0 * ld + col;
            for (int i = k0; i < k1; i++, wo += ld) {
                c = FloatVector.fromArray(S, wa, wo).fma(FloatVector.broadcast(S, xa[xo + i]), c);
            }
            c.intoArray(y.a(), yi);
        }
    }

    private static void epilogue(int rows, int p, int width, Mat residual, Mat y, boolean gelu) {
        if (residual == null && !gelu) {
            return;
        }
        for (int r = 0; r < rows; r++) {
            int yi = y.off() + r * y.ld() + p;
            int ri = residual == null ? 0 : residual.off() + r * residual.ld() + p;
            for (int j = 0; j < width; j += L) {
                FloatVector c = FloatVector.fromArray(S, y.a(), yi + j);
                if (residual != null) {
                    c = c.add(FloatVector.fromArray(S, residual.a(), ri + j));
                }
                if (gelu) {
                    c = gelu(c);
                }
                c.intoArray(y.a(), yi + j);
            }
        }
    }

    @Override
    public void softmaxExp(float[] a, int off, int len, float max, float scale) {
        int i = off;
        for (; i + L <= off + len; i += L) {
            exp(FloatVector.fromArray(S, a, i).sub(max).mul(scale)).intoArray(a, i);
        }
        for (; i < off + len; i++) {
            a[i] = EncoderMath.exp((a[i] - max) * scale);
        }
    }

    @Override
    public void scale(float[] a, int off, int len, float f) {
        int i = off;
        for (; i + L <= off + len; i += L) {
            FloatVector.fromArray(S, a, i).mul(f).intoArray(a, i);
        }
        for (; i < off + len; i++) {
            a[i] = a[i] * f;
        }
    }

    @Override
    public float max(float[] a, int off, int len) {
        int i = off;
        float m = Float.NEGATIVE_INFINITY;
        if (len >= L) {
            FloatVector v = FloatVector.fromArray(S, a, i);
            for (i += L; i + L <= off + len; i += L) {
                v = v.max(FloatVector.fromArray(S, a, i));
            }
            m = v.reduceLanes(VectorOperators.MAX);
        }
        for (; i < off + len; i++) {
            m = Math.max(m, a[i]);
        }
        return m;
    }

    private static final int SHIFTER_BITS = Float.floatToRawIntBits(EncoderMath.SHIFTER);

    /** {@link EncoderMath#exp} lane by lane. */
    static FloatVector exp(FloatVector x) {
        x = x.max(EncoderMath.EXP_MIN).min(EncoderMath.EXP_MAX);
        FloatVector t = x.fma(EncoderMath.LOG2E, EncoderMath.SHIFTER);
        FloatVector k = t.sub(EncoderMath.SHIFTER);
        FloatVector r = k.fma(FloatVector.broadcast(S, -EncoderMath.LN2_HI), x);
        r = k.fma(FloatVector.broadcast(S, -EncoderMath.LN2_LO), r);
        float[] poly = EncoderMath.EXP_POLY;
        FloatVector p = FloatVector.broadcast(S, poly[0]);
        for (int i = 1; i < poly.length; i++) {
            p = p.fma(r, FloatVector.broadcast(S, poly[i]));
        }
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        // (int) k without a float-to-int conversion, which JDK 17's Vector API does not compile to an instruction
        // (measured: 13 % of a MiniLM forward in its fallback): t = SHIFTER + k is exact and has SHIFTER's exponent
        // (|k| < 2^22 after the clamp), so its bits are SHIFTER's plus k: the same integer, bit for bit
        IntVector ki = t.reinterpretAsInts().sub(SHIFTER_BITS);
        return p.mul(ki.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /** {@link EncoderMath#erf} lane by lane: both branches computed, then selected. */
    static FloatVector erf(FloatVector u) {
        FloatVector a = u.abs();
        FloatVector s = a.mul(a);
        float[] series = EncoderMath.ERF_SERIES;
        FloatVector p = FloatVector.broadcast(S, series[0]);
        for (int i = 1; i < series.length; i++) {
            p = p.fma(s, FloatVector.broadcast(S, series[i]));
        }
        FloatVector small = a.fma(FloatVector.broadcast(S, EncoderMath.ERF_C0_HI),
                a.mul(s.fma(p, FloatVector.broadcast(S, EncoderMath.ERF_C0_LO))));
        // clamped so lanes that take another branch stay finite; lanes of this branch are below the clamp
        FloatVector ac = a.min(EncoderMath.CHEB_HI);
        FloatVector e = exp(ac.mul(ac).neg());
        FloatVector t = ac.sub(EncoderMath.CHEB_CENTER).mul(EncoderMath.CHEB_INV_HALF_WIDTH);
        FloatVector t2 = t.add(t);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        for (float c : EncoderMath.CHEB) {
            FloatVector b0 = t2.fma(b1, FloatVector.broadcast(S, c).sub(b2));
            b2 = b1;
            b1 = b0;
        }
        FloatVector g = t.fma(b1, FloatVector.broadcast(S, EncoderMath.CHEB_C0_HALF).sub(b2));
        FloatVector large = e.neg().fma(g, FloatVector.broadcast(S, 1f));
        FloatVector r = FloatVector.broadcast(S, 1f).blend(large, a.lt(EncoderMath.ERF_ONE_FROM));
        r = r.blend(small, a.compare(VectorOperators.LE, EncoderMath.ERF_SERIES_LIMIT));
        return r.blend(r.neg(), u.lt(0f));
    }

    /** {@link EncoderMath#gelu} lane by lane. */
    static FloatVector gelu(FloatVector x) {
        return x.mul(0.5f).mul(erf(x.mul(EncoderMath.INV_SQRT2)).add(1f));
    }
}
