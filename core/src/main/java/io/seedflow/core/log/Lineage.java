package io.seedflow.core.log;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Events [fromOffset, untilOffset) of one source partition that a step trained on. Offsets are positions in the source
 * (Kafka offsets, or positions in an offline data set), so never negative (update-log spec §4).
 */
public record Lineage(String source, int partition, long fromOffset, long untilOffset) {
    public Lineage {
        if (fromOffset < 0) {
            throw new IllegalArgumentException("lineage range must have fromOffset >= 0 (offsets are never negative), "
                    + "got [" + fromOffset + ", " + untilOffset + ")");
        }
        if (untilOffset < fromOffset) {
            throw new IllegalArgumentException("lineage range must have untilOffset >= fromOffset, got ["
                    + fromOffset + ", " + untilOffset + ")");
        }
    }

    public long count() {
        return untilOffset - fromOffset;
    }

    /**
     * The ranges of disjoint event sets as one lineage: sorted by (source, partition, from) and every run of ranges
     * that touch ({@code until == next.from}) merged into one maximal range. Merging the maximal ranges of several
     * disjoint sets (the shares of a data-parallel step) gives the maximal ranges of their union, so a record names
     * the same ranges however its examples were spread over subtasks. Empty ranges are dropped.
     */
    public static List<Lineage> merged(List<Lineage> ranges) {
        List<Lineage> sorted = new ArrayList<>(ranges.size());
        for (Lineage r : ranges) {
            if (r.count() > 0) {
                sorted.add(r);
            }
        }
        sorted.sort(Comparator.comparing(Lineage::source).thenComparingInt(Lineage::partition)
                .thenComparingLong(Lineage::fromOffset));
        List<Lineage> out = new ArrayList<>();
        Lineage open = null;
        for (Lineage r : sorted) {
            if (open != null && open.source.equals(r.source) && open.partition == r.partition
                    && open.untilOffset == r.fromOffset) {
                open = new Lineage(open.source, open.partition, open.fromOffset, r.untilOffset);
            } else {
                if (open != null) {
                    out.add(open);
                }
                open = r;
            }
        }
        if (open != null) {
            out.add(open);
        }
        return out;
    }
}
