package io.seedflow.core.model;

/**
 * The inner product tile of the dense layers: for {@code rows} weight rows and one micro-batch of
 * {@link #MICRO_BATCH} examples, {@code y[r][n] = act(bias[r] + sum_i w[r][i] * x[i][n])} where the sum is evaluated
 * as the sequential chain {@code c = fma(w[r][i], x[i][n], c)} for i = 0, 1, ... starting from {@code c = bias[r]}.
 * Every implementation must follow exactly that chain per output element, so the vector and scalar versions give
 * the same bits on any CPU (and a training run is repeatable on any machine).
 *
 * <p>Layouts: {@code w} rows of length {@code in} starting at {@code wOff + r * in}; {@code x} is one micro-batch
 * block, feature-major, {@code x[xOff + i * MICRO_BATCH + n]}; {@code y} likewise at {@code yOff + r * MICRO_BATCH + n}.
 */
interface TileKernel {
    /** Examples per micro-batch block; a multiple of every vector length in use (4, 8, 16 floats). */
    int MICRO_BATCH = 32;

    void tile(float[] w, int wOff, int in, float[] bias, int biasOff, int rows, float[] x, int xOff, float[] y,
            int yOff, boolean relu);
}
