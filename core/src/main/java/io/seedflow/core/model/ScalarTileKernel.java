package io.seedflow.core.model;

/** Portable {@link TileKernel}: one accumulator row per output row, fma chain over the inputs. */
final class ScalarTileKernel implements TileKernel {
    private static final int MB = MICRO_BATCH;

    @Override
    public void tile(float[] w, int wOff, int in, float[] bias, int biasOff, int rows, float[] x, int xOff,
            float[] y, int yOff, boolean relu) {
        for (int r = 0; r < rows; r++) {
            int yo = yOff + r * MB;
            float b = bias[biasOff + r];
            for (int n = 0; n < MB; n++) {
                y[yo + n] = b;
            }
            int wo = wOff + r * in;
            for (int i = 0; i < in; i++) {
                float a = w[wo + i];
                int xo = xOff + i * MB;
                for (int n = 0; n < MB; n++) {
                    y[yo + n] = Math.fma(a, x[xo + n], y[yo + n]);
                }
            }
            if (relu) {
                for (int n = 0; n < MB; n++) {
                    y[yo + n] = Math.max(y[yo + n], 0f); // same NaN propagation as the vector max
                }
            }
        }
    }
}
