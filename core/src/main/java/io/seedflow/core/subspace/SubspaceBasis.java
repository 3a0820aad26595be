package io.seedflow.core.subspace;

import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The principal directions of a window of τ ZO steps over a parameter group, by the deterministic procedure of
 * docs/update-log-spec.md §6.3 that trainer and replicas both run (so replicas rebuild the basis bit for bit
 * instead of receiving it). Only IEEE double/float additions, multiplications, divisions and square roots in a
 * fixed order are used: Java evaluates them identically on every JVM and CPU.
 *
 * <ol>
 *   <li>History: h_s = h_(s-1) - c_s z_s (doubles, h_(-1) = 0), z_s = the group's elements of direction seed_s in
 *       ascending tensor order. The history is the trajectory the window's steps describe; the starting weights
 *       cancel in the centering, so replicas need no past weights.</li>
 *   <li>Centered rows x_s = h_s - mean_s(h_s); Gram matrix K = X X^T (τ x τ), each entry one sequential sum.</li>
 *   <li>Cyclic Jacobi eigen-decomposition of K (fixed sweep order, at most {@link #MAX_SWEEPS} sweeps).</li>
 *   <li>Eigenpairs sorted by eigenvalue, descending (ties by index); those with λ <= λ_max * 1e-12 are null
 *       directions of the centering and dropped.</li>
 *   <li>Direction j: e_j = float(X^T v_j / sqrt(λ_j)), a unit vector in the group's coordinates.</li>
 * </ol>
 */
public final class SubspaceBasis {
    static final int MAX_SWEEPS = 60;
    static final double NULL_EIGENVALUE = 1e-12;

    private final float[][] directions;
    private final double[] eigenvalues;

    private SubspaceBasis(float[][] directions, double[] eigenvalues) {
        this.directions = directions;
        this.eigenvalues = eigenvalues;
    }

    /** Number of non-null directions (at most τ - 1). */
    public int size() {
        return directions.length;
    }

    /** Direction j (0 = highest variance); length = the group's element count. Do not modify. */
    public float[] direction(int j) {
        return directions[j];
    }

    public double eigenvalue(int j) {
        return eigenvalues[j];
    }

    /**
     * How many of the lowest-variance directions to remove so that the kept ones explain at least
     * {@code 1 - varianceThreshold} of the window's variance (ZOODiP's rule): the smallest k with
     * sum_(j<k) λ_j >= (1 - ν) sum λ; removed = size - k.
     */
    public int removedCount(double varianceThreshold) {
        double total = 0;
        for (double l : eigenvalues) {
            total += l;
        }
        double kept = 0;
        for (int k = 0; k < eigenvalues.length; k++) {
            if (kept >= (1 - varianceThreshold) * total) {
                return eigenvalues.length - k;
            }
            kept += eigenvalues[k];
        }
        return 0;
    }

    /** Element offsets of each group tensor inside the group vector, and the total as the last entry. */
    public static long[] groupOffsets(List<TensorSpec> specs, List<Integer> tensors) {
        long[] off = new long[tensors.size() + 1];
        for (int i = 0; i < tensors.size(); i++) {
            off[i + 1] = off[i] + specs.get(tensors.get(i)).elementCount();
        }
        return off;
    }

    public static SubspaceBasis compute(List<TensorSpec> specs, SubspaceCorrection.Window window) {
        List<Integer> tensors = window.tensors();
        long[] off = groupOffsets(specs, tensors);
        int d = Math.toIntExact(off[tensors.size()]);
        int tau = window.seeds().size();
        double[][] x = new double[tau][d];
        float[] z = new float[d];
        double[] h = new double[d];
        for (int s = 0; s < tau; s++) {
            long seed = window.seeds().get(s);
            for (int g = 0; g < tensors.size(); g++) {
                PerturbationGenerator.fill(seed, tensors.get(g), 0, z, (int) off[g], (int) (off[g + 1] - off[g]));
            }
            double c = window.coefficients().get(s);
            for (int i = 0; i < d; i++) {
                h[i] = h[i] - c * z[i];
            }
            System.arraycopy(h, 0, x[s], 0, d);
        }
        for (int i = 0; i < d; i++) {
            double sum = 0;
            for (int s = 0; s < tau; s++) {
                sum += x[s][i];
            }
            double mean = sum / tau;
            for (int s = 0; s < tau; s++) {
                x[s][i] = x[s][i] - mean;
            }
        }
        double[][] k = new double[tau][tau];
        for (int a = 0; a < tau; a++) {
            for (int b = a; b < tau; b++) {
                double sum = 0;
                double[] xa = x[a];
                double[] xb = x[b];
                for (int i = 0; i < d; i++) {
                    sum += xa[i] * xb[i];
                }
                k[a][b] = sum;
                k[b][a] = sum;
            }
        }
        double[][] v = new double[tau][tau];
        for (int a = 0; a < tau; a++) {
            v[a][a] = 1;
        }
        jacobi(k, v);
        Integer[] order = new Integer[tau];
        for (int j = 0; j < tau; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (p, q) -> {
            int c = Double.compare(k[q][q], k[p][p]);
            return c != 0 ? c : Integer.compare(p, q);
        });
        double max = k[order[0]][order[0]];
        List<float[]> dirs = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int idx = 0; idx < tau; idx++) {
            int j = order[idx];
            double lambda = k[j][j];
            if (!(max > 0) || !(lambda > max * NULL_EIGENVALUE)) {
                break;
            }
            double norm = Math.sqrt(lambda);
            float[] e = new float[d];
            for (int i = 0; i < d; i++) {
                double sum = 0;
                for (int s = 0; s < tau; s++) {
                    sum += v[s][j] * x[s][i];
                }
                e[i] = (float) (sum / norm);
            }
            dirs.add(e);
            values.add(lambda);
        }
        return new SubspaceBasis(dirs.toArray(new float[0][]),
                values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Cyclic Jacobi: diagonalizes symmetric {@code a} in place, accumulating rotations into {@code v}. */
    static void jacobi(double[][] a, double[][] v) {
        int n = a.length;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            double diag = 0;
            for (int p = 0; p < n; p++) {
                diag += a[p][p] * a[p][p];
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (!(off > diag * 1e-30)) {
                return;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p][q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t = 1 / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta < 0) {
                        t = -t;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int r = 0; r < n; r++) {
                        double arp = a[r][p];
                        double arq = a[r][q];
                        a[r][p] = c * arp - s * arq;
                        a[r][q] = s * arp + c * arq;
                    }
                    for (int r = 0; r < n; r++) {
                        double apr = a[p][r];
                        double aqr = a[q][r];
                        a[p][r] = c * apr - s * aqr;
                        a[q][r] = s * apr + c * aqr;
                    }
                    for (int r = 0; r < n; r++) {
                        double vrp = v[r][p];
                        double vrq = v[r][q];
                        v[r][p] = c * vrp - s * vrq;
                        v[r][q] = s * vrp + c * vrq;
                    }
                }
            }
        }
    }
}
