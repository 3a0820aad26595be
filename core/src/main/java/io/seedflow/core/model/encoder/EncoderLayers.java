package io.seedflow.core.model.encoder;

import io.seedflow.core.model.encoder.EncoderKernel.Mat;

/**
 * The per-text computations of the encoder forward on one text's real tokens, rows of {@code hidden} floats:
 * embeddings + LayerNorm, one post-LayerNorm block, mean pooling, the head. Weights are passed as arrays in the
 * canonical order of {@link EncoderSpec}, so the same code runs the plain weights and the perturbed copies of a paired
 * pass. Stateless apart from the kernel; buffers come in a {@link Scratch} of the calling thread.
 *
 * <p>Only the real tokens of a text are computed. In the masked ONNX graph padding keys get float-min added to their
 * scores, so their softmax weight is exactly 0 and they never reach a real token; padding rows are then dropped by the
 * masked mean. Skipping them is therefore the same computation, and a text's result does not depend on its padding or
 * on the other texts of the batch.
 */
final class EncoderLayers {
    private final EncoderSpec spec;
    private final EncoderKernel kernel;
    private final int h;
    private final float attentionScale;

    EncoderLayers(EncoderSpec spec, EncoderKernel kernel) {
        this.spec = spec;
        this.kernel = kernel;
        this.h = spec.hidden();
        this.attentionScale = (float) (1 / Math.sqrt(spec.headSize()));
    }

    /** Per-thread buffers for texts of up to {@code tokens} tokens, grown on demand. */
    static final class Scratch {
        int tokens;
        float[] q = new float[0];
        float[] k;
        float[] v;
        float[] ctx;
        float[] tmp;
        float[] kt;
        float[] scores;
        float[] ffn;

        void ensure(EncoderSpec spec, int n) {
            if (n <= tokens) {
                return;
            }
            int hh = spec.hidden();
            q = new float[n * hh];
            k = new float[n * hh];
            v = new float[n * hh];
            ctx = new float[n * hh];
            tmp = new float[n * hh];
            kt = new float[spec.headSize() * n];
            scores = new float[n * n];
            ffn = new float[n * spec.ffn()];
            tokens = n;
        }
    }

    /**
     * x[t] = (word[row t] + type[0]) + position[t] (BERT's order of the two additions), then LayerNorm, for the
     * {@code n} tokens whose word rows start at {@code wordRow[first + t]} in {@code word}.
     */
    void embed(float[] word, int[] wordRow, int first, int n, float[] position, float[] type, float[] gamma,
            float[] beta, float[] x) {
        for (int t = 0; t < n; t++) {
            int xo = (first + t) * h;
            int wo = wordRow[first + t];
            int po = t * h;
            for (int i = 0; i < h; i++) {
                x[xo + i] = (word[wo + i] + type[i]) + position[po + i];
            }
            layerNorm(x, xo, gamma, 0, beta, 0, x, xo);
        }
    }

    /** Index of the first tensor of a block's feed-forward half (ffn_in.weight); 0 .. 9 are the attention half. */
    static final int FEED_FORWARD = 10;
    /** Offsets of a block's 16 tensors that start at index 0 of their arrays (the plain weights). */
    static final int[] AT_START = new int[EncoderSpec.PER_LAYER];

    /**
     * One block on the text's rows [first, first + n) of x, in place: {@link #attention}, then {@link #feedForward};
     * tensor j of the block is {@code w[j]} from index {@code o[j]}.
     */
    void block(float[][] w, int[] o, float[] x, int first, int n, Scratch s) {
        attention(w, o, x, first, n, s);
        feedForward(w, o, x, first, n, s);
    }

    /**
     * The attention half of a block (tensors 0 .. 9: query, key, value, attention_out, attention_norm) on the text's
     * rows of x, in place. The text's state between the halves is its rows of x alone, so the halves of the texts
     * may run as all attention halves, then all feed-forward halves: the same chains.
     */
    void attention(float[][] w, int[] o, float[] x, int first, int n, Scratch s) {
        s.ensure(spec, n);
        Mat xm = new Mat(x, first * h, h);
        kernel.matmul(n, h, h, xm, new Mat(w[0], o[0], h), w[1], o[1], null, new Mat(s.q, 0, h), false);
        kernel.matmul(n, h, h, xm, new Mat(w[2], o[2], h), w[3], o[3], null, new Mat(s.k, 0, h), false);
        kernel.matmul(n, h, h, xm, new Mat(w[4], o[4], h), w[5], o[5], null, new Mat(s.v, 0, h), false);
        selfAttention(n, s);
        kernel.matmul(n, h, h, new Mat(s.ctx, 0, h), new Mat(w[6], o[6], h), w[7], o[7], xm, new Mat(s.tmp, 0, h),
                false);
        for (int t = 0; t < n; t++) {
            layerNorm(s.tmp, t * h, w[8], o[8], w[9], o[9], x, (first + t) * h);
        }
    }

    /** The feed-forward half of a block (tensors 10 .. 15: ffn_in, ffn_out, output_norm) on the text's rows of x. */
    void feedForward(float[][] w, int[] o, float[] x, int first, int n, Scratch s) {
        s.ensure(spec, n);
        int f = spec.ffn();
        Mat xm = new Mat(x, first * h, h);
        kernel.matmul(n, h, f, xm, new Mat(w[10], o[10], f), w[11], o[11], null, new Mat(s.ffn, 0, f), true);
        kernel.matmul(n, f, h, new Mat(s.ffn, 0, f), new Mat(w[12], o[12], h), w[13], o[13], xm, new Mat(s.tmp, 0, h),
                false);
        for (int t = 0; t < n; t++) {
            layerNorm(s.tmp, t * h, w[14], o[14], w[15], o[15], x, (first + t) * h);
        }
    }

    /** ctx = softmax(Q K^T / sqrt(d)) V per head, over the text's n tokens. */
    private void selfAttention(int n, Scratch s) {
        int d = spec.headSize();
        for (int head = 0; head < spec.heads(); head++) {
            int c0 = head * d;
            for (int t = 0; t < n; t++) { // K of this head transposed to [d, n]: the [in, out] operand of Q K^T
                for (int j = 0; j < d; j++) {
                    s.kt[j * n + t] = s.k[t * h + c0 + j];
                }
            }
            kernel.matmul(n, d, n, new Mat(s.q, c0, h), new Mat(s.kt, 0, n), null, 0, null, new Mat(s.scores, 0, n),
                    false);
            for (int r = 0; r < n; r++) {
                int ro = r * n;
                float max = kernel.max(s.scores, ro, n);
                kernel.softmaxExp(s.scores, ro, n, max, attentionScale);
                kernel.scale(s.scores, ro, n, (float) (1 / sum(s.scores, ro, n)));
            }
            kernel.matmul(n, n, d, new Mat(s.scores, 0, n), new Mat(s.v, c0, h), null, 0, null, new Mat(s.ctx, c0, h),
                    false);
        }
    }

    /**
     * LayerNorm of one row: mean and biased variance in double, y = fma((float) ((x - mean) / sqrt(var + eps)),
     * gamma, beta), gamma and beta from indexes {@code go} and {@code bo}. {@code dst} may be {@code src}.
     */
    void layerNorm(float[] src, int so, float[] gamma, int go, float[] beta, int bo, float[] dst, int dOff) {
        double mean = sum(src, so, h) / h;
        double q0 = 0;
        double q1 = 0;
        double q2 = 0;
        double q3 = 0;
        int i = 0;
        for (; i + 4 <= h; i += 4) {
            double a = src[so + i] - mean;
            double b = src[so + i + 1] - mean;
            double c = src[so + i + 2] - mean;
            double e = src[so + i + 3] - mean;
            q0 += a * a;
            q1 += b * b;
            q2 += c * c;
            q3 += e * e;
        }
        for (; i < h; i++) {
            double a = src[so + i] - mean;
            q0 += a * a;
        }
        double inv = 1 / Math.sqrt(((q0 + q1) + (q2 + q3)) / h + EncoderSpec.LAYER_NORM_EPSILON);
        for (i = 0; i < h; i++) {
            dst[dOff + i] = Math.fma((float) ((src[so + i] - mean) * inv), gamma[go + i], beta[bo + i]);
        }
    }

    /** Sum in double with four interleaved partial sums combined as (s0 + s1) + (s2 + s3): a fixed order. */
    static double sum(float[] a, int off, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            s0 += a[off + i];
            s1 += a[off + i + 1];
            s2 += a[off + i + 2];
            s3 += a[off + i + 3];
        }
        for (; i < len; i++) {
            s0 += a[off + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Mean of the text's n rows (token order, in double) into {@code out[outOff .. outOff + hidden)}; for a
     * {@link EncoderSpec#cosine()} spec divided by its length (the root of the squared means summed in element order).
     */
    void meanPool(float[] x, int first, int n, float[] out, int outOff, double[] acc) {
        java.util.Arrays.fill(acc, 0, h, 0);
        for (int t = 0; t < n; t++) {
            int xo = (first + t) * h;
            for (int i = 0; i < h; i++) {
                acc[i] += x[xo + i];
            }
        }
        if (!spec.cosine()) {
            for (int i = 0; i < h; i++) {
                out[outOff + i] = (float) (acc[i] / n);
            }
            return;
        }
        double squares = 0; // the mean's length, summed in element order
        for (int i = 0; i < h; i++) {
            double mean = acc[i] / n;
            squares += mean * mean;
        }
        double length = Math.sqrt(squares);
        for (int i = 0; i < h; i++) {
            out[outOff + i] = length > 0 ? (float) (acc[i] / n / length) : 0f;
        }
    }

    /**
     * Class-major logits {@code out[c * size + e]} = head.bias[c] + pooled[e] . head.weight[:, c] (fma chain); weight
     * and bias from indexes {@code wo} and {@code bo} of their arrays.
     */
    void head(float[] pooled, int size, float[] weight, int wo, float[] bias, int bo, float[] out) {
        int classes = spec.classes();
        for (int e = 0; e < size; e++) {
            for (int c = 0; c < classes; c++) {
                float acc = bias[bo + c];
                for (int i = 0; i < h; i++) {
                    acc = Math.fma(pooled[e * h + i], weight[wo + i * classes + c], acc);
                }
                out[c * size + e] = acc;
            }
        }
    }
}
