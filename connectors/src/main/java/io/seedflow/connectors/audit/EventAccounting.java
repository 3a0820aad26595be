package io.seedflow.connectors.audit;

import io.seedflow.connectors.audit.Finding.Check;
import io.seedflow.connectors.kafka.OffsetRuns;
import io.seedflow.core.log.Lineage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accounts for every event of one events topic: each offset the topic holds must be trained exactly once (inside one
 * record's lineage range, of any model) or dead-lettered exactly once, never both. Offsets are kept as ranges, so the
 * cost grows with the number of records and dead letters, not with the number of events.
 */
final class EventAccounting {
    /** Findings of one kind beyond this many are summarized by a count. */
    static final int MAX_LINES = 5;

    private final String topic;
    /** Per partition: the offsets the topic holds, as runs, in order. */
    private final Map<Integer, List<long[]>> held = new TreeMap<>();
    private final Map<Integer, Long> firstHeld = new TreeMap<>();
    private final Map<Integer, List<Trained>> trained = new TreeMap<>();
    private final Map<Integer, List<Long>> deadLettered = new TreeMap<>();

    private record Trained(long from, long until, String model, long step) {
    }

    EventAccounting(String topic) {
        this.topic = topic;
    }

    /** The topic holds a record at {@code offset} (called in offset order per partition). */
    void held(int partition, long offset) {
        List<long[]> runs = held.computeIfAbsent(partition, p -> new ArrayList<>());
        long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
        if (last != null && last[1] == offset) {
            last[1] = offset + 1;
        } else {
            runs.add(new long[] {offset, offset + 1});
        }
    }

    /** The first offset partition {@code partition} still holds (after retention). */
    void firstHeld(int partition, long offset) {
        firstHeld.put(partition, offset);
    }

    void trained(String model, long step, Lineage range) {
        if (range.source().equals(topic) && range.count() > 0) {
            trained.computeIfAbsent(range.partition(), p -> new ArrayList<>())
                    .add(new Trained(range.fromOffset(), range.untilOffset(), model, step));
        }
    }

    void deadLettered(int partition, long offset) {
        deadLettered.computeIfAbsent(partition, p -> new ArrayList<>()).add(offset);
    }

    List<Finding> findings() {
        List<Finding> out = new ArrayList<>();
        long heldTotal = 0;
        long trainedTotal = 0;
        long deadTotal = 0;
        Lines twice = new Lines(out, Finding.Severity.FAIL, "trained twice");
        Lines both = new Lines(out, Finding.Severity.FAIL, "trained and dead-lettered");
        Lines deadTwice = new Lines(out, Finding.Severity.FAIL, "dead-lettered twice");
        Lines lost = new Lines(out, Finding.Severity.FAIL, "lost (neither trained nor dead-lettered, before later "
                + "trained events)");
        Lines pending = new Lines(out, Finding.Severity.WARN, "not trained yet (after the last accounted event: the "
                + "trainer's open batch, or events a redeploy without state skipped)");
        Lines phantom = new Lines(out, Finding.Severity.FAIL, "accounted for but not held by the topic");
        for (int p : partitions()) {
            List<Trained> ranges = new ArrayList<>(trained.getOrDefault(p, List.of()));
            ranges.sort(Comparator.comparingLong(Trained::from));
            List<long[]> accounted = new ArrayList<>(); // merged trained ranges, then dead letters, as runs
            Trained widest = null;
            for (Trained r : ranges) {
                trainedTotal += r.until() - r.from();
                if (widest != null && r.from() < widest.until()) {
                    twice.add(p, r.from(), Math.min(r.until(), widest.until()), "model '" + widest.model() + "' step "
                            + widest.step() + " and model '" + r.model() + "' step " + r.step());
                }
                if (widest == null || r.until() > widest.until()) {
                    widest = r;
                }
                OffsetRuns.add(accounted, r.from(), r.until());
            }
            List<Long> dead = new ArrayList<>(deadLettered.getOrDefault(p, List.of()));
            dead.sort(null);
            for (int i = 0; i < dead.size(); i++) {
                long o = dead.get(i);
                deadTotal++;
                if (i > 0 && dead.get(i - 1) == o) {
                    deadTwice.add(p, o, o + 1, "");
                    continue;
                }
                Trained in = containing(ranges, o);
                if (in != null) {
                    both.add(p, o, o + 1, "model '" + in.model() + "' step " + in.step());
                }
                OffsetRuns.add(accounted, o, o + 1);
            }
            List<long[]> heldRuns = held.getOrDefault(p, List.of());
            for (long[] run : heldRuns) {
                heldTotal += run[1] - run[0];
            }
            long lastAccounted = accounted.isEmpty() ? -1 : accounted.get(accounted.size() - 1)[1] - 1;
            for (long[] hole : OffsetRuns.minus(heldRuns, accounted)) {
                if (hole[0] < lastAccounted) {
                    long until = Math.min(hole[1], lastAccounted);
                    lost.add(p, hole[0], until, "");
                    if (until < hole[1]) {
                        pending.add(p, until, hole[1], "");
                    }
                } else {
                    pending.add(p, hole[0], hole[1], "");
                }
            }
            long first = firstHeld.getOrDefault(p, 0L);
            for (long[] gone : OffsetRuns.minus(accounted, heldRuns)) {
                if (gone[1] > first) {
                    phantom.add(p, Math.max(gone[0], first), gone[1], "");
                }
            }
        }
        for (Lines l : List.of(twice, both, deadTwice, lost, phantom, pending)) {
            l.summarize();
        }
        if (out.stream().noneMatch(f -> f.severity() == Finding.Severity.FAIL)) {
            out.add(0, Finding.ok(Check.EVENTS, String.format("topic %s: %,d events held, %,d trained, %,d "
                    + "dead-lettered: each trained or dead-lettered at most once, none lost", topic, heldTotal,
                    trainedTotal, deadTotal)));
        }
        return out;
    }

    private List<Integer> partitions() {
        TreeMap<Integer, Boolean> all = new TreeMap<>();
        for (Map<Integer, ?> m : List.of(held, trained, deadLettered)) {
            m.keySet().forEach(p -> all.put(p, true));
        }
        return new ArrayList<>(all.keySet());
    }

    /** The range starting last at or before {@code offset}, if it holds the offset (overlaps are reported apart). */
    private static Trained containing(List<Trained> sortedByFrom, long offset) {
        int lo = 0;
        int hi = sortedByFrom.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sortedByFrom.get(mid).from() <= offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Trained r = lo == 0 ? null : sortedByFrom.get(lo - 1);
        return r != null && offset < r.until() ? r : null;
    }

    /** Findings of one kind: the first {@link #MAX_LINES} ranges each on a line, then a count of the rest. */
    private final class Lines {
        private final List<Finding> out;
        private final Finding.Severity severity;
        private final String what;
        private long ranges;
        private long events;

        Lines(List<Finding> out, Finding.Severity severity, String what) {
            this.out = out;
            this.severity = severity;
            this.what = what;
        }

        void add(int partition, long from, long until, String detail) {
            ranges++;
            events += until - from;
            if (ranges <= MAX_LINES) {
                out.add(new Finding(Check.EVENTS, severity, topic + "/" + partition + " offsets " + from
                        + (until - from > 1 ? ".." + (until - 1) : "") + ": " + what
                        + (detail.isEmpty() ? "" : " (" + detail + ")")));
            }
        }

        void summarize() {
            if (ranges > MAX_LINES) {
                out.add(new Finding(Check.EVENTS, severity, String.format("%s: %,d events in %,d ranges %s in all",
                        topic, events, ranges, what)));
            }
        }
    }
}
