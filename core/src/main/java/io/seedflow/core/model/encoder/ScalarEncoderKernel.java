package io.seedflow.core.model.encoder;

/** Portable {@link EncoderKernel}: the contract's chains written out element by element. */
final class ScalarEncoderKernel implements EncoderKernel {
    @Override
    public void matmul(int rows, int in, int out, Mat x, Mat w, float[] bias, int biasOff, Mat residual, Mat y,
            boolean gelu) {
        columns(rows, in, 0, out, x, w, bias, biasOff, residual, y, gelu);
    }

    /** The contract for columns [from, to) only (also the vector kernel's tail). */
    static void columns(int rows, int in, int from, int to, Mat x, Mat w, float[] bias, int biasOff, Mat residual,
            Mat y, boolean gelu) {
        float[] xa = x.a();
        float[] wa = w.a();
        for (int r = 0; r < rows; r++) {
            int xo = x.off() + r * x.ld();
            for (int o = from; o < to; o++) {
                float c = bias == null ? 0f : bias[biasOff + o];
                int wo = w.off() + o;
                for (int i = 0; i < in; i++, wo += w.ld()) {
                    c = Math.fma(xa[xo + i], wa[wo], c);
                }
                if (residual != null) {
                    c = c + residual.a()[residual.off() + r * residual.ld() + o];
                }
                if (gelu) {
                    c = EncoderMath.gelu(c);
                }
                y.a()[y.off() + r * y.ld() + o] = c;
            }
        }
    }

    @Override
    public void softmaxExp(float[] a, int off, int len, float max, float scale) {
        for (int i = off; i < off + len; i++) {
            a[i] = EncoderMath.exp((a[i] - max) * scale);
        }
    }

    @Override
    public void scale(float[] a, int off, int len, float f) {
        for (int i = off; i < off + len; i++) {
            a[i] = a[i] * f;
        }
    }

    @Override
    public float max(float[] a, int off, int len) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + len; i++) {
            m = Math.max(m, a[i]);
        }
        return m;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
