package io.seedflow.bench;

import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.model.Batch;
import java.util.SplittableRandom;

/** Synthetic inputs shaped and scaled like Fashion-MNIST, so benchmarks need no data files. */
final class BenchData {
    private BenchData() {
    }

    /**
     * {@code size} examples of {@code features} random 8-bit pixels scaled like the real data, (p/255 - mean) / std,
     * with random labels in [0, classes).
     */
    static Batch randomBatch(int size, int features, int classes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (r.nextInt(256) / 255f - FashionMnist.MEAN) / FashionMnist.STD;
        }
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            y[i] = r.nextInt(classes);
        }
        return new Batch(x, y, size, features);
    }
}
