package io.seedflow.core.model.encoder;

import io.seedflow.core.model.Batch;
import io.seedflow.core.tensor.ParameterSet;

/**
 * A plain double-precision BERT forward written for obviousness, not speed: every padded position is computed, and
 * padding is handled the way the ONNX graph does it (padding keys get a huge negative score; the mean pools only real
 * tokens). Embeddings {@code [size][hidden]} and logits {@code [size][classes]}.
 */
final class EncoderReference {
    private EncoderReference() {
    }

    static double[][] embeddings(EncoderSpec spec, ParameterSet p, Batch batch) {
        int hidden = spec.hidden();
        int width = batch.featureCount();
        double[][] out = new double[batch.size()][];
        for (int e = 0; e < batch.size(); e++) {
            int real = batch.tokenCounts()[e];
            double[][] x = new double[width][hidden];
            for (int t = 0; t < width; t++) {
                int id = batch.tokenIds()[e * width + t];
                for (int i = 0; i < hidden; i++) {
                    x[t][i] = p.tensor(0)[id * hidden + i] + p.tensor(1)[t * hidden + i] + p.tensor(2)[i];
                }
                x[t] = layerNorm(x[t], p.tensor(3), p.tensor(4));
            }
            for (int l = 0; l < spec.layers(); l++) {
                x = block(spec, p, spec.layerTensor(l), x, real);
            }
            double[] mean = new double[hidden];
            for (int t = 0; t < real; t++) {
                for (int i = 0; i < hidden; i++) {
                    mean[i] += x[t][i] / real;
                }
            }
            out[e] = mean;
        }
        return out;
    }

    static double[][] logits(EncoderSpec spec, ParameterSet p, Batch batch) {
        double[][] emb = embeddings(spec, p, batch);
        double[][] logits = new double[emb.length][];
        for (int e = 0; e < emb.length; e++) {
            logits[e] = linear(new double[][] {emb[e]}, p.tensor(spec.headTensor()), p.tensor(spec.headTensor() + 1),
                    spec.classes())[0];
        }
        return logits;
    }

    private static double[][] block(EncoderSpec spec, ParameterSet p, int t0, double[][] x, int real) {
        int hidden = spec.hidden();
        int d = spec.headSize();
        int n = x.length;
        double[][] q = linear(x, p.tensor(t0), p.tensor(t0 + 1), hidden);
        double[][] k = linear(x, p.tensor(t0 + 2), p.tensor(t0 + 3), hidden);
        double[][] v = linear(x, p.tensor(t0 + 4), p.tensor(t0 + 5), hidden);
        double[][] ctx = new double[n][hidden];
        for (int h = 0; h < spec.heads(); h++) {
            for (int i = 0; i < n; i++) {
                double[] s = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) {
                        dot += q[i][h * d + c] * k[j][h * d + c];
                    }
                    s[j] = dot / Math.sqrt(d) + (j < real ? 0 : -1e30);
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j < n; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int c = 0; c < d; c++) {
                        ctx[i][h * d + c] += s[j] / z * v[j][h * d + c];
                    }
                }
            }
        }
        double[][] a = linear(ctx, p.tensor(t0 + 6), p.tensor(t0 + 7), hidden);
        double[][] y = new double[n][];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < hidden; c++) {
                a[i][c] += x[i][c];
            }
            y[i] = layerNorm(a[i], p.tensor(t0 + 8), p.tensor(t0 + 9));
        }
        double[][] f = linear(y, p.tensor(t0 + 10), p.tensor(t0 + 11), spec.ffn());
        for (double[] row : f) {
            for (int c = 0; c < row.length; c++) {
                row[c] = 0.5 * row[c] * (1 + erf(row[c] / Math.sqrt(2)));
            }
        }
        double[][] o = linear(f, p.tensor(t0 + 12), p.tensor(t0 + 13), hidden);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < hidden; c++) {
                o[i][c] += y[i][c];
            }
            o[i] = layerNorm(o[i], p.tensor(t0 + 14), p.tensor(t0 + 15));
        }
        return o;
    }

    /** x W + b with W stored [in, out] row-major. */
    static double[][] linear(double[][] x, float[] w, float[] b, int out) {
        double[][] y = new double[x.length][out];
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < x[r].length; i++) {
                    s += x[r][i] * w[i * out + o];
                }
                y[r][o] = s;
            }
        }
        return y;
    }

    static double[] layerNorm(double[] x, float[] gamma, float[] beta) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean) / x.length;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(var + 1e-12) * gamma[i] + beta[i];
        }
        return y;
    }

    /** erf in double: Maclaurin series for |x| <= 2.5 (rounding below 1e-14), Laplace's continued fraction beyond. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a <= 2.5) {
            double term = a;
            double sum = 0;
            for (int n = 0; n < 100; n++) {
                sum += term / (2 * n + 1);
                term *= -a * a / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = a;
            for (int k = 500; k >= 1; k--) {
                f = a + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
        }
        return Math.copySign(r, x);
    }
}
