package io.seedflow.core.model;

import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * CPU dense layer y = act(W x + b) on micro-batch-blocked activations: block k holds examples
 * [32k, 32k+32) feature-major, {@code x[(k * features + i) * 32 + n]}. Optionally evaluates the paired perturbed
 * layers W +/- eps z, b +/- eps z for two input streams in one pass over the weights: z is generated per block of
 * {@link #ROWS} output rows into a small per-thread scratch buffer, so neither the perturbed weights nor z for a
 * whole tensor ever exist (memory stays at inference level: weights + both passes' activations + O(ROWS * in)).
 *
 * <p>Each output element is one fma chain in a fixed order ({@link TileKernel}), so results do not depend on the
 * thread count, the task split or the CPU's vector width.
 */
final class DenseKernel {
    /** Output rows per task; z scratch is ROWS * in floats per thread. A multiple of the 4-row register tile. */
    static final int ROWS = 16;
    static final int MB = TileKernel.MICRO_BATCH;
    /** Below this many multiply-adds a layer runs on the calling thread (the fork costs more than it saves). */
    static final long PARALLEL_THRESHOLD = 1L << 16;

    /** {@code -Dseedflow.cpu.parallel=false} keeps every layer on the calling thread (e.g. one trainer per core). */
    static final boolean PARALLEL = Boolean.parseBoolean(System.getProperty("seedflow.cpu.parallel", "true"));

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private DenseKernel() {
    }

    /**
     * One layer's operands: {@code blocks} micro-batch blocks; act null means linear. The masks say which elements
     * the paired perturbed pass perturbs (null = the tensor is frozen, not perturbed).
     */
    record Layer(float[] w, float[] b, int in, int out, int blocks, Activation act, int weightIndex, int biasIndex,
            TensorMask weightMask, TensorMask biasMask) {
    }

    /** Number of 32-example blocks for a batch. */
    static int blocks(int batch) {
        return (batch + MB - 1) / MB;
    }

    static void forward(Layer layer, float[] x1, float[] y1, float[] x2, float[] y2, long seed, float epsilon) {
        TileKernel kernel = TileKernels.get();
        int rowBlocks = (layer.out + ROWS - 1) / ROWS;
        long work = (long) layer.in * layer.out * layer.blocks * MB * (x2 == null ? 1 : 2);
        int threads = PARALLEL ? ForkJoinPool.getCommonPoolParallelism() + 1 : 1;
        if (work < PARALLEL_THRESHOLD || threads == 1) {
            for (int rb = 0; rb < rowBlocks; rb++) {
                task(kernel, layer, rb, 0, layer.blocks, x1, y1, x2, y2, seed, epsilon);
            }
            return;
        }
        // split across batch blocks too when there are fewer row blocks than threads (e.g. the 10-class head)
        int groups = rowBlocks >= threads ? 1 : Math.min(layer.blocks, (2 * threads + rowBlocks - 1) / rowBlocks);
        int perGroup = (layer.blocks + groups - 1) / groups;
        IntStream.range(0, rowBlocks * groups).parallel().forEach(t -> {
            int rb = t / groups;
            int from = (t % groups) * perGroup;
            int to = Math.min(layer.blocks, from + perGroup);
            if (from < to) {
                task(kernel, layer, rb, from, to, x1, y1, x2, y2, seed, epsilon);
            }
        });
    }

    private static void task(TileKernel k, Layer l, int rb, int fromBlock, int toBlock, float[] x1, float[] y1,
            float[] x2, float[] y2, long seed, float eps) {
        int o0 = rb * ROWS;
        int rows = Math.min(ROWS, l.out - o0);
        boolean relu = l.act == Activation.RELU;
        if (x2 == null) {
            for (int blk = fromBlock; blk < toBlock; blk++) {
                k.tile(l.w, o0 * l.in, l.in, l.b, o0, rows, x1, blk * l.in * MB, y1, (blk * l.out + o0) * MB, relu);
            }
        } else {
            Scratch s = SCRATCH.get();
            s.ensure(rows * l.in);
            int wOff = o0 * l.in;
            if (l.weightMask == null) {
                System.arraycopy(l.w, wOff, s.wPlus, 0, rows * l.in);
                System.arraycopy(l.w, wOff, s.wMinus, 0, rows * l.in);
            } else {
                PerturbationGenerator.fill(seed, l.weightIndex, wOff, s.z, 0, rows * l.in);
                // the mask comes from the unperturbed weights, inside the pass: neither it nor W +/- eps z is stored
                l.weightMask.zeroFrozen(l.w, wOff, wOff, s.z, rows * l.in, s.keep);
                for (int e = 0; e < rows * l.in; e++) {
                    float z = s.z[e];
                    float w = l.w[wOff + e];
                    s.wPlus[e] = Math.fma(eps, z, w);
                    s.wMinus[e] = Math.fma(-eps, z, w);
                }
            }
            if (l.biasMask == null) {
                System.arraycopy(l.b, o0, s.bPlus, 0, rows);
                System.arraycopy(l.b, o0, s.bMinus, 0, rows);
            } else {
                PerturbationGenerator.fill(seed, l.biasIndex, o0, s.zb, 0, rows);
                l.biasMask.zeroFrozen(l.b, o0, o0, s.zb, rows, s.keep);
                for (int r = 0; r < rows; r++) {
                    s.bPlus[r] = Math.fma(eps, s.zb[r], l.b[o0 + r]);
                    s.bMinus[r] = Math.fma(-eps, s.zb[r], l.b[o0 + r]);
                }
            }
            for (int blk = fromBlock; blk < toBlock; blk++) {
                k.tile(s.wPlus, 0, l.in, s.bPlus, 0, rows, x1, blk * l.in * MB, y1, (blk * l.out + o0) * MB, relu);
                k.tile(s.wMinus, 0, l.in, s.bMinus, 0, rows, x2, blk * l.in * MB, y2, (blk * l.out + o0) * MB, relu);
            }
        }
        if (l.act != null && !relu) {
            for (int blk = fromBlock; blk < toBlock; blk++) {
                activate(l.act, y1, (blk * l.out + o0) * MB, rows * MB);
                if (y2 != null) {
                    activate(l.act, y2, (blk * l.out + o0) * MB, rows * MB);
                }
            }
        }
    }

    private static void activate(Activation act, float[] y, int from, int len) {
        for (int i = from; i < from + len; i++) {
            y[i] = act.apply(y[i]);
        }
    }

    /** Per-thread buffers, grown on demand and reused across steps (hot loop: no allocation per row block). */
    private static final class Scratch {
        float[] z = new float[0];
        float[] wPlus = new float[0];
        float[] wMinus = new float[0];
        boolean[] keep = new boolean[ROWS];
        final float[] zb = new float[ROWS];
        final float[] bPlus = new float[ROWS];
        final float[] bMinus = new float[ROWS];

        void ensure(int len) {
            if (z.length < len) {
                z = new float[len];
                wPlus = new float[len];
                wMinus = new float[len];
                keep = new boolean[len];
            }
        }
    }
}
