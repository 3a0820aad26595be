package io.seedflow.jobs.study.text;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Two methods' predictions on the same mails, paired by seed: the mean over seeds of the F1 difference, a paired
 * bootstrap over mails (the same resampled mails for every seed and both methods, percentile 95% interval), and
 * McNemar's exact test per seed on the mails exactly one of the two classifies right (two-sided binomial, p = 1/2),
 * reported as the largest p over the seeds.
 */
record PairedComparison(double delta, double low, double high, double mcnemarP, int seeds) {
    /** Resamples of the bootstrap; its random draws are fixed (seed {@link #BOOTSTRAP_SEED}), so reports repeat. */
    static final int RESAMPLES = 2000;
    static final long BOOTSTRAP_SEED = 20_261_208L;

    /**
     * {@code a} against {@code b} on mails {@code [from, to)}: {@code a.get(s)} and {@code b.get(s)} are the
     * predictions of seed s of each method over the whole stream.
     */
    static PairedComparison of(List<int[]> a, List<int[]> b, int[] labels, int from, int to, int positive) {
        if (a.size() != b.size() || a.isEmpty()) {
            throw new IllegalArgumentException("pair the seeds: " + a.size() + " runs against " + b.size());
        }
        int seeds = a.size();
        int[] all = new int[to - from];
        Arrays.setAll(all, i -> from + i);
        double delta = meanDelta(a, b, labels, all, positive);
        double[] resampled = new double[RESAMPLES];
        SplittableRandom random = new SplittableRandom(BOOTSTRAP_SEED);
        int[] draw = new int[all.length];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int i = 0; i < draw.length; i++) {
                draw[i] = from + random.nextInt(all.length);
            }
            resampled[r] = meanDelta(a, b, labels, draw, positive);
        }
        Arrays.sort(resampled);
        double p = 0;
        for (int s = 0; s < seeds; s++) {
            p = Math.max(p, mcnemar(a.get(s), b.get(s), labels, from, to));
        }
        return new PairedComparison(delta, resampled[(int) (0.025 * RESAMPLES)],
                resampled[(int) Math.ceil(0.975 * RESAMPLES) - 1], p, seeds);
    }

    /** Mean over seeds of F1(a) - F1(b) on the mails {@code at} (repeats counted as drawn). */
    private static double meanDelta(List<int[]> a, List<int[]> b, int[] labels, int[] at, int positive) {
        double sum = 0;
        for (int s = 0; s < a.size(); s++) {
            sum += f1(a.get(s), labels, at, positive) - f1(b.get(s), labels, at, positive);
        }
        return sum / a.size();
    }

    /** F1 of {@code positive} on the mails {@code at}: 0 when there is no true positive. */
    static double f1(int[] predicted, int[] labels, int[] at, int positive) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i : at) {
            boolean said = predicted[i] == positive;
            boolean is = labels[i] == positive;
            tp += said && is ? 1 : 0;
            fp += said && !is ? 1 : 0;
            fn += !said && is ? 1 : 0;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /**
     * McNemar's exact two-sided p on mails {@code [from, to)}: of the n mails exactly one of {@code a}, {@code b}
     * gets right, k the fewer side's count, p = min(1, 2 P(X <= k)) for X ~ Binomial(n, 1/2); 1 when n = 0.
     */
    static double mcnemar(int[] a, int[] b, int[] labels, int from, int to) {
        int onlyA = 0;
        int onlyB = 0;
        for (int i = from; i < to; i++) {
            boolean aRight = a[i] == labels[i];
            boolean bRight = b[i] == labels[i];
            onlyA += aRight && !bRight ? 1 : 0;
            onlyB += bRight && !aRight ? 1 : 0;
        }
        int n = onlyA + onlyB;
        int k = Math.min(onlyA, onlyB);
        double logHalfN = n * Math.log(0.5);
        double logChoose = 0; // log C(n, 0)
        double tail = 0;
        for (int j = 0; j <= k; j++) {
            tail += Math.exp(logChoose + logHalfN);
            logChoose += Math.log(n - j) - Math.log(j + 1.0);
        }
        return Math.min(1, 2 * tail);
    }
}
