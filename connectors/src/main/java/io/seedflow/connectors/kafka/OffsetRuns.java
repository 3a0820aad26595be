package io.seedflow.connectors.kafka;

import java.util.ArrayList;
import java.util.List;

/**
 * Sets of Kafka offsets kept as sorted, disjoint runs {@code [from, until)} ({@code long[2]} each), so that their cost
 * grows with the number of runs, not of offsets: what the lineage of update records and the dead letters account for.
 */
public final class OffsetRuns {
    private OffsetRuns() {
    }

    /** Adds {@code [from, until)} to {@code runs}, merging overlapping and touching runs. */
    public static void add(List<long[]> runs, long from, long until) {
        int i = firstEndingAtOrAfter(runs, from);
        long start = from;
        long end = until;
        while (i < runs.size() && runs.get(i)[0] <= end) {
            start = Math.min(start, runs.get(i)[0]);
            end = Math.max(end, runs.get(i)[1]);
            runs.remove(i);
        }
        runs.add(i, new long[] {start, end});
    }

    /** The run that holds {@code offset}, or null. */
    public static long[] containing(List<long[]> runs, long offset) {
        int i = firstEndingAtOrAfter(runs, offset + 1);
        return i < runs.size() && runs.get(i)[0] <= offset ? runs.get(i) : null;
    }

    /** The runs of {@code a} not in {@code b}. */
    public static List<long[]> minus(List<long[]> a, List<long[]> b) {
        List<long[]> out = new ArrayList<>();
        int j = 0;
        for (long[] run : a) {
            long lo = run[0];
            while (j < b.size() && b.get(j)[1] <= lo) {
                j++;
            }
            int k = j;
            while (lo < run[1]) {
                if (k >= b.size() || b.get(k)[0] >= run[1]) {
                    out.add(new long[] {lo, run[1]});
                    break;
                }
                if (b.get(k)[0] > lo) {
                    out.add(new long[] {lo, b.get(k)[0]});
                }
                lo = Math.max(lo, b.get(k)[1]);
                k++;
            }
        }
        return out;
    }

    /** The index of the first run whose end is at or after {@code offset} (binary search). */
    private static int firstEndingAtOrAfter(List<long[]> runs, long offset) {
        int lo = 0;
        int hi = runs.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (runs.get(mid)[1] < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
