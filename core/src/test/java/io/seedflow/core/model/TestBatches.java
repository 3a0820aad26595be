package io.seedflow.core.model;

import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.ParameterSet;
import java.util.SplittableRandom;

/** Batches and perturbed weights the families' tests share. */
public final class TestBatches {
    private TestBatches() {
    }

    /** Three Gaussian clusters in 6 features: class c centred on +2 in feature c. */
    public static Batch gaussianClusters(int n, long seed) {
        float[] x = new float[n * 6];
        PerturbationGenerator.fill(seed, 9, 0, x, 0, x.length);
        int[] y = new int[n];
        for (int e = 0; e < n; e++) {
            y[e] = (int) Math.floorMod(seed * 31 + e, 3);
            x[e * 6 + y[e]] += 2f;
        }
        return new Batch(x, y, n, 6);
    }

    /** Texts of the given token counts, padded to {@code width} with random ids below {@code vocab}. */
    public static Batch tokens(int vocab, int classes, int width, long seed, int... counts) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = new int[counts.length * width];
        int[] labels = new int[counts.length];
        for (int e = 0; e < counts.length; e++) {
            for (int t = 0; t < width; t++) {
                ids[e * width + t] = rnd.nextInt(vocab);
            }
            labels[e] = rnd.nextInt(classes);
        }
        return Batch.ofTokens(ids, counts.clone(), labels, width);
    }

    /** theta + s z for direction {@code seed} on every element of the first {@code tensors} tensors. */
    public static ParameterSet shifted(ParameterSet p, long seed, float s, int tensors) {
        ParameterSet out = p.copy();
        for (int t = 0; t < tensors; t++) {
            float[] w = out.tensor(t);
            float[] z = new float[w.length];
            PerturbationGenerator.fill(seed, t, 0, z, 0, z.length);
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.fma(s, z[i], w[i]);
            }
        }
        return out;
    }
}
