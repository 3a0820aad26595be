package io.seedflow.core.model;

import io.seedflow.core.error.InvalidConfigurationException;

import io.seedflow.core.objective.Objectives;
import io.seedflow.core.tensor.ParameterSet;
import java.util.stream.IntStream;

/**
 * The first-order baseline: plain backpropagation with SGD and momentum (v = mu v + g + wd w; w -= lr v; no decay
 * on biases) for the same MLP and parameter layout as the ZO trainer. Used for comparisons and hybrid training; it
 * does not produce a seed+scalar log.
 */
public final class BackpropTrainer {
    private final Mlp mlp;
    private final MlpSpec spec;
    private final ParameterSet params;
    private final float momentum;
    private final float weightDecay;
    private final float[][] velocity;
    private final float[][] grads;
    private float[] input;
    private float[][] pre;
    private float[][] post;
    private float[][] delta;
    private int bufferBatch = -1;

    /**
     * The first-order baseline for {@code spec}, which must be of the MLP family (the only one with a backward pass).
     *
     * @throws InvalidConfigurationException naming the spec otherwise
     */
    public static BackpropTrainer forModel(ModelSpec spec, ParameterSet params, float momentum, float weightDecay) {
        if (!(spec instanceof MlpSpec mlp)) {
            throw new InvalidConfigurationException("--model", spec.toText(),
                    "the backprop baseline trains the mlp family only");
        }
        return new BackpropTrainer(mlp, params, momentum, weightDecay);
    }

    public BackpropTrainer(MlpSpec spec, ParameterSet params, float momentum, float weightDecay) {
        this.mlp = new Mlp(spec);
        this.spec = spec;
        this.params = params;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.velocity = new float[params.size()][];
        this.grads = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            velocity[i] = new float[params.tensor(i).length];
            grads[i] = new float[params.tensor(i).length];
        }
    }

    /** One SGD step on the batch at learning rate {@code lr}; returns the batch loss before the step. */
    public double step(Batch batch, float lr) {
        int n = batch.size();
        mlp.prepare(params, batch); // validates layout and feature count
        ensure(n);
        transposeInput(batch);
        int layers = spec.layerCount();
        float[] x = input;
        for (int l = 0; l < layers; l++) {
            linear(l, x, pre[l], n);
            if (l < layers - 1) {
                for (int i = 0; i < pre[l].length; i++) {
                    post[l][i] = spec.activation().apply(pre[l][i]);
                }
                x = post[l];
            } else {
                x = pre[l];
            }
        }
        double loss = Objectives.DEFAULT.meanLossAndGradient(pre[layers - 1], spec.classes(), batch.targets(), n,
                delta[layers - 1]);
        for (int l = layers - 1; l >= 0; l--) {
            float[] in = l == 0 ? input : post[l - 1];
            weightGradients(l, in, delta[l], n);
            if (l > 0) {
                propagate(l, delta[l], delta[l - 1], n);
                float[] d = delta[l - 1];
                float[] z = pre[l - 1];
                for (int i = 0; i < d.length; i++) {
                    d[i] *= spec.activation().derivative(z[i]);
                }
            }
        }
        for (int t = 0; t < params.size(); t++) {
            float[] w = params.tensor(t);
            float[] v = velocity[t];
            float[] g = grads[t];
            float wd = params.spec(t).rank() >= 2 ? weightDecay : 0f;
            for (int i = 0; i < w.length; i++) {
                v[i] = momentum * v[i] + g[i] + wd * w[i];
                w[i] -= lr * v[i];
            }
        }
        return loss;
    }

    /** y[o, :] = b[o] + sum_i W[o, i] x[i, :] on feature-major activations ({@code x[i * n + k]}). */
    private void linear(int l, float[] x, float[] y, int n) {
        int in = spec.width(l);
        int out = spec.width(l + 1);
        float[] w = params.tensor(2 * l);
        float[] b = params.tensor(2 * l + 1);
        IntStream.range(0, out).parallel().forEach(o -> {
            int yOff = o * n;
            for (int k = 0; k < n; k++) {
                y[yOff + k] = b[o];
            }
            for (int i = 0; i < in; i++) {
                float a = w[o * in + i];
                int xOff = i * n;
                for (int k = 0; k < n; k++) {
                    y[yOff + k] += a * x[xOff + k];
                }
            }
        });
    }

    private void transposeInput(Batch batch) {
        int n = batch.size();
        int f = spec.inputs();
        float[] src = batch.features();
        for (int e = 0; e < n; e++) {
            for (int i = 0; i < f; i++) {
                input[i * n + e] = src[e * f + i];
            }
        }
    }

    /** dW[o, i] = sum_n d[o, n] x[i, n]; db[o] = sum_n d[o, n]. */
    private void weightGradients(int l, float[] x, float[] d, int n) {
        int in = spec.width(l);
        int out = spec.width(l + 1);
        float[] gw = grads[2 * l];
        float[] gb = grads[2 * l + 1];
        IntStream.range(0, out).parallel().forEach(o -> {
            int dOff = o * n;
            float sb = 0;
            for (int k = 0; k < n; k++) {
                sb += d[dOff + k];
            }
            gb[o] = sb;
            for (int i = 0; i < in; i++) {
                int xOff = i * n;
                float s = 0;
                for (int k = 0; k < n; k++) {
                    s += d[dOff + k] * x[xOff + k];
                }
                gw[o * in + i] = s;
            }
        });
    }

    /** dx[i, n] = sum_o W[o, i] d[o, n]. */
    private void propagate(int l, float[] d, float[] dx, int n) {
        int in = spec.width(l);
        int out = spec.width(l + 1);
        float[] w = params.tensor(2 * l);
        IntStream.range(0, in).parallel().forEach(i -> {
            int xOff = i * n;
            for (int k = 0; k < n; k++) {
                dx[xOff + k] = 0f;
            }
            for (int o = 0; o < out; o++) {
                float a = w[o * in + i];
                int dOff = o * n;
                for (int k = 0; k < n; k++) {
                    dx[xOff + k] += a * d[dOff + k];
                }
            }
        });
    }

    private void ensure(int n) {
        if (n == bufferBatch) {
            return;
        }
        int layers = spec.layerCount();
        input = new float[spec.inputs() * n];
        pre = new float[layers][];
        post = new float[layers][];
        delta = new float[layers][];
        for (int l = 0; l < layers; l++) {
            pre[l] = new float[spec.width(l + 1) * n];
            post[l] = new float[spec.width(l + 1) * n];
            delta[l] = new float[spec.width(l + 1) * n];
        }
        bufferBatch = n;
    }
}
