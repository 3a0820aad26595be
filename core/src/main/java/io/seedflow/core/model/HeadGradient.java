package io.seedflow.core.model;

import io.seedflow.core.objective.Objective;
import io.seedflow.core.objective.Targets;

/**
 * Sums of the exact gradient of the per-example loss with respect to a model's head (its {@link TensorRole#HEAD} tensors: weight
 * matrix and bias, in their canonical layouts), accumulated over examples and passes in a fixed order (ElasticZO's
 * exact last layer). Sums, not means, so shards combine exactly like {@link LossSums}.
 */
public final class HeadGradient {
    private final double[] weight;
    private final double[] bias;
    private int passes;

    public HeadGradient(int weightElements, int biasElements) {
        this.weight = new double[weightElements];
        this.bias = new double[biasElements];
    }

    /**
     * A gradient holding exactly these sums (copied, every double kept bit for bit) and pass count: another
     * evaluation's {@link #weight()}, {@link #bias()} and {@link #passes()}, e.g. decoded from a data-parallel
     * subtask's share, so that it adds as the original would.
     */
    public static HeadGradient ofSums(double[] weightSums, double[] biasSums, int passes) {
        if (passes < 0) {
            throw new IllegalArgumentException("head gradient: passes must be >= 0, got " + passes);
        }
        HeadGradient g = new HeadGradient(weightSums.length, biasSums.length);
        System.arraycopy(weightSums, 0, g.weight, 0, weightSums.length);
        System.arraycopy(biasSums, 0, g.bias, 0, biasSums.length);
        g.passes = passes;
        return g;
    }

    /** The live sums of d loss / d head.weight, in the weight's element order. */
    public double[] weight() {
        return weight;
    }

    /** The live sums of d loss / d head.bias. */
    public double[] bias() {
        return bias;
    }

    /** How many (pass, example) gradients were summed, counted per example: the divisor of the mean. */
    public int passes() {
        return passes;
    }

    /**
     * Adds, for each of {@code n} examples, the gradient of {@code objective}'s loss at its outputs to the head whose
     * input features are {@code features[n * width + i]}: the objective's d loss / d outputs
     * ({@link Objective#outputGradient}) goes to the bias; the weight gradient is its outer product with the features,
     * in the layout {@code [in, out]} ({@code inOut}) or {@code [out, in]}.
     *
     * @param outputs output-major, {@code outputs[c * n + e]}, {@code outputWidth} per example
     */
    public void add(Objective objective, float[] features, int width, float[] outputs, Targets targets,
            int outputWidth, int n, boolean inOut) {
        double[] d = new double[outputWidth];
        for (int e = 0; e < n; e++) {
            objective.outputGradient(outputs, outputWidth, targets, n, e, d);
            for (int c = 0; c < outputWidth; c++) {
                bias[c] += d[c];
            }
            int row = e * width;
            for (int i = 0; i < width; i++) {
                double x = features[row + i];
                for (int c = 0; c < outputWidth; c++) {
                    weight[inOut ? i * outputWidth + c : c * width + i] += x * d[c];
                }
            }
            passes++;
        }
    }

    /**
     * This shard's sums followed by {@code next}'s, added element-wise in that order.
     *
     * @throws IllegalArgumentException when {@code next} is the gradient of a head of another shape
     */
    public void add(HeadGradient next) {
        if (next.weight.length != weight.length || next.bias.length != bias.length) {
            throw new IllegalArgumentException("head gradient: cannot add the sums of a head with " + next.weight.length
                    + " weight and " + next.bias.length + " bias elements to one with " + weight.length + " and "
                    + bias.length);
        }
        for (int i = 0; i < weight.length; i++) {
            weight[i] += next.weight[i];
        }
        for (int i = 0; i < bias.length; i++) {
            bias[i] += next.bias[i];
        }
        passes += next.passes;
    }
}
