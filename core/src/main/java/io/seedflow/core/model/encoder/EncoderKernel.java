package io.seedflow.core.model.encoder;

/**
 * The vectorisable operations of the encoder forward. Contract, shared by {@link ScalarEncoderKernel} and
 * {@link VectorEncoderKernel} so that both give the same bits on any CPU and for any thread count:
 * <ul>
 * <li>{@link #matmul}: every output element is the sequential chain {@code c = bias[o]} (0 without bias), then
 *     {@code c = fma(x[r][i], w[i][o], c)} for i = 0, 1, ..., in - 1; then {@code c = c + residual[r][o]} when a
 *     residual is given; then {@code c = gelu(c)} when asked ({@link EncoderMath#gelu}). Blocking over rows, columns
 *     or the inner dimension only changes where c is kept between steps, never the chain;</li>
 * <li>{@link #softmaxExp}: {@code a[i] = exp((a[i] - max) * scale)} by {@link EncoderMath#exp};</li>
 * <li>{@link #scale}: {@code a[i] = a[i] * f}; {@link #max}: the largest element (order-free).</li>
 * </ul>
 * Operands are row-major {@link Mat} views; a weight is {@code [in, out]} (y = x W + b).
 */
interface EncoderKernel {
    /** A row-major matrix view: element (r, c) at {@code a[off + r * ld + c]}. */
    record Mat(float[] a, int off, int ld) {
    }

    void matmul(int rows, int in, int out, Mat x, Mat w, float[] bias, int biasOff, Mat residual, Mat y,
            boolean gelu);

    void softmaxExp(float[] a, int off, int len, float max, float scale);

    void scale(float[] a, int off, int len, float f);

    float max(float[] a, int off, int len);

    /** "vector" or "scalar", for logs and benchmarks. */
    String name();
}
