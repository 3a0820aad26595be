package io.seedflow.core.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link TileKernel} on the JDK Vector API (incubator in Java 17: needs {@code --add-modules jdk.incubator.vector};
 * {@link TileKernels} falls back to {@link ScalarTileKernel} without it). Register tile of four output rows by one
 * vector of examples: each input vector is loaded once for four fused multiply-adds. Lanes are examples, so the
 * per-element fma chain is the same as the scalar kernel's whatever the vector width.
 */
final class VectorTileKernel implements TileKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MB = MICRO_BATCH;
    private final ScalarTileKernel scalar = new ScalarTileKernel();

    static boolean usable() {
        return MB % L == 0;
    }

    @Override
    public void tile(float[] w, int wOff, int in, float[] bias, int biasOff, int rows, float[] x, int xOff,
            float[] y, int yOff, boolean relu) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            tile4(w, wOff + r * in, in, bias, biasOff + r, x, xOff, y, yOff + r * MB, relu);
        }
        for (; r < rows; r++) {
            tile1(w, wOff + r * in, in, bias[biasOff + r], x, xOff, y, yOff + r * MB, relu);
        }
    }

    private static void tile4(float[] w, int w0, int in, float[] bias, int b0, float[] x, int xOff, float[] y,
            int yOff, boolean relu) {
        int w1 = w0 + in;
        int w2 = w1 + in;
        int w3 = w2 + in;
        for (int j = 0; j < MB; j += L) {
            FloatVector c0 = FloatVector.broadcast(S, bias[b0]);
            FloatVector c1 = FloatVector.broadcast(S, bias[b0 + 1]);
            FloatVector c2 = FloatVector.broadcast(S, bias[b0 + 2]);
            FloatVector c3 = FloatVector.broadcast(S, bias[b0 + 3]);
            int xo = xOff + j;
            for (int i = 0; i < in; i++, xo += MB) {
                FloatVector xv = FloatVector.fromArray(S, x, xo);
                c0 = FloatVector.broadcast(S, w[w0 + i]).fma(xv, c0);
                c1 = FloatVector.broadcast(S, w[w1 + i]).fma(xv, c1);
                c2 = FloatVector.broadcast(S, w[w2 + i]).fma(xv, c2);
                c3 = FloatVector.broadcast(S, w[w3 + i]).fma(xv, c3);
            }
            if (relu) {
                c0 = c0.max(0f);
                c1 = c1.max(0f);
                c2 = c2.max(0f);
                c3 = c3.max(0f);
            }
            c0.intoArray(y, yOff + j);
            c1.intoArray(y, yOff + MB + j);
            c2.intoArray(y, yOff + 2 * MB + j);
            c3.intoArray(y, yOff + 3 * MB + j);
        }
    }

    private static void tile1(float[] w, int w0, int in, float b, float[] x, int xOff, float[] y, int yOff,
            boolean relu) {
        for (int j = 0; j < MB; j += L) {
            FloatVector c = FloatVector.broadcast(S, b);
            int xo = xOff + j;
            for (int i = 0; i < in; i++, xo += MB) {
                c = FloatVector.broadcast(S, w[w0 + i]).fma(FloatVector.fromArray(S, x, xo), c);
            }
            if (relu) {
                c = c.max(0f);
            }
            c.intoArray(y, yOff + j);
        }
    }
}
