package io.seedflow.core.model;

import io.seedflow.core.rng.PerturbationGenerator;
import java.util.stream.IntStream;

/**
 * CPU dense layer y = act(W x + b) on feature-major activations ({@code x[i * batch + n]} is feature i of example
 * n). Optionally evaluates the paired perturbed layers W +/- eps z and b +/- eps z for two input streams in one pass
 * over the weights: z is generated per block of output rows into a small scratch buffer, so neither the perturbed
 * weights nor z for the whole tensor ever exist (memory stays at inference level).
 *
 * <p>Each output row is computed by one thread in a fixed order, so results do not depend on the thread count.
 */
final class DenseKernel {
    /** Output rows per task; z scratch is ROWS * in floats per thread. */
    static final int ROWS = 16;
    /** Below this many multiply-adds a layer runs on the calling thread (the fork costs more than it saves). */
    static final long PARALLEL_THRESHOLD = 1L << 17;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private DenseKernel() {
    }

    /** One layer's operands. {@code x2}/{@code y2} are null for a single, unperturbed pass. */
    record Layer(float[] w, float[] b, int in, int out, int batch, Activation act, int weightIndex, int biasIndex) {
    }

    static void forward(Layer layer, float[] x1, float[] y1, float[] x2, float[] y2, long seed, float epsilon) {
        int blocks = (layer.out + ROWS - 1) / ROWS;
        boolean parallel = (long) layer.in * layer.out * layer.batch * (x2 == null ? 1 : 2) >= PARALLEL_THRESHOLD
                && blocks > 1;
        if (parallel) {
            IntStream.range(0, blocks).parallel()
                    .forEach(blk -> rowBlock(layer, blk, x1, y1, x2, y2, seed, epsilon));
        } else {
            for (int blk = 0; blk < blocks; blk++) {
                rowBlock(layer, blk, x1, y1, x2, y2, seed, epsilon);
            }
        }
    }

    private static void rowBlock(Layer l, int blk, float[] x1, float[] y1, float[] x2, float[] y2, long seed,
            float eps) {
        int o0 = blk * ROWS;
        int rows = Math.min(ROWS, l.out - o0);
        Scratch s = SCRATCH.get();
        boolean paired = x2 != null;
        if (paired) {
            s.ensure(rows * l.in, l.in);
            PerturbationGenerator.fill(seed, l.weightIndex, (long) o0 * l.in, s.zw, 0, rows * l.in);
            PerturbationGenerator.fill(seed, l.biasIndex, o0, s.zb, 0, rows);
        }
        for (int r = 0; r < rows; r++) {
            int o = o0 + r;
            int wOff = o * l.in;
            if (paired) {
                float[] wp = s.wPlus;
                float[] wm = s.wMinus;
                int zOff = r * l.in;
                for (int i = 0; i < l.in; i++) {
                    float z = s.zw[zOff + i];
                    float w = l.w[wOff + i];
                    wp[i] = Math.fma(eps, z, w);
                    wm[i] = Math.fma(-eps, z, w);
                }
                float bp = Math.fma(eps, s.zb[r], l.b[o]);
                float bm = Math.fma(-eps, s.zb[r], l.b[o]);
                row(wp, 0, bp, l, x1, y1, o);
                row(wm, 0, bm, l, x2, y2, o);
            } else {
                row(l.w, wOff, l.b[o], l, x1, y1, o);
            }
        }
    }

    /** y[o, :] = act(sum_i w[i] x[i, :] + bias): four inputs per sweep so each y element is loaded once per four. */
    private static void row(float[] w, int wOff, float bias, Layer l, float[] x, float[] y, int o) {
        int batch = l.batch;
        int yOff = o * batch;
        for (int n = 0; n < batch; n++) {
            y[yOff + n] = bias;
        }
        int i = 0;
        for (; i + 4 <= l.in; i += 4) {
            float a0 = w[wOff + i];
            float a1 = w[wOff + i + 1];
            float a2 = w[wOff + i + 2];
            float a3 = w[wOff + i + 3];
            int x0 = i * batch;
            int xa = x0 + batch;
            int xb = xa + batch;
            int xc = xb + batch;
            for (int n = 0; n < batch; n++) {
                y[yOff + n] += (a0 * x[x0 + n] + a1 * x[xa + n]) + (a2 * x[xb + n] + a3 * x[xc + n]);
            }
        }
        for (; i < l.in; i++) {
            float a = w[wOff + i];
            int xo = i * batch;
            for (int n = 0; n < batch; n++) {
                y[yOff + n] += a * x[xo + n];
            }
        }
        if (l.act != null) {
            for (int n = 0; n < batch; n++) {
                y[yOff + n] = l.act.apply(y[yOff + n]);
            }
        }
    }

    /** Per-thread buffers, grown on demand and reused across steps (hot loop: no allocation per row block). */
    private static final class Scratch {
        float[] zw = new float[0];
        float[] zb = new float[ROWS];
        float[] wPlus = new float[0];
        float[] wMinus = new float[0];

        void ensure(int zLen, int in) {
            if (zw.length < zLen) {
                zw = new float[zLen];
            }
            if (wPlus.length < in) {
                wPlus = new float[in];
                wMinus = new float[in];
            }
        }
    }
}
