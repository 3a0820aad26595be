package io.seedflow.connectors.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.OffsetRuns;
import io.seedflow.core.log.Lineage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every event of the topic trained or dead-lettered exactly once, kept as ranges. */
class EventAccountingTest {
    private static EventAccounting holding(long... offsetsOfPartition0) {
        EventAccounting acc = new EventAccounting("events");
        for (long o : offsetsOfPartition0) {
            acc.held(0, o);
        }
        return acc;
    }

    private static long[] range(long from, long until) {
        long[] o = new long[(int) (until - from)];
        for (int i = 0; i < o.length; i++) {
            o[i] = from + i;
        }
        return o;
    }

    @Test
    void eachEventTrainedOrDeadLetteredOncePasses() {
        EventAccounting acc = holding(range(0, 20));
        acc.trained("a", 1, new Lineage("events", 0, 0, 7));
        acc.deadLettered(0, 7);
        acc.trained("b", 1, new Lineage("events", 0, 8, 12)); // another model, same topic
        acc.trained("a", 2, new Lineage("events", 0, 12, 20));
        acc.trained("a", 2, new Lineage("holdout", 0, 0, 5)); // another topic: not this accounting's
        assertThat(acc.findings()).extracting(Finding::toString).containsExactly("OK   events     topic events: 20 "
                + "events held, 19 trained, 1 dead-lettered: each trained or dead-lettered at most once, none lost");
    }

    @Test
    void twiceBothLostPendingAndPhantomEventsAreNamedWithTheirOffsets() {
        EventAccounting acc = holding(range(0, 30));
        acc.trained("a", 1, new Lineage("events", 0, 0, 10));
        acc.trained("a", 7, new Lineage("events", 0, 5, 12)); // 5..9 again: a redeploy retrained them
        acc.deadLettered(0, 12);
        acc.deadLettered(0, 12);
        acc.deadLettered(0, 3);
        acc.trained("a", 8, new Lineage("events", 0, 15, 20)); // 13, 14 lost
        acc.trained("a", 9, new Lineage("events", 0, 28, 31)); // 30 is not on the topic
        // 20..27 lost (before 28); nothing after 30 pending
        assertThat(acc.findings()).extracting(Finding::toString).containsExactly(
                "FAIL events     events/0 offsets 5..9: trained twice (model 'a' step 1 and model 'a' step 7)",
                "FAIL events     events/0 offsets 3: trained and dead-lettered (model 'a' step 1)",
                "FAIL events     events/0 offsets 12: dead-lettered twice",
                "FAIL events     events/0 offsets 13..14: lost (neither trained nor dead-lettered, before later "
                        + "trained events)",
                "FAIL events     events/0 offsets 20..27: lost (neither trained nor dead-lettered, before later "
                        + "trained events)",
                "FAIL events     events/0 offsets 30: accounted for but not held by the topic");
    }

    @Test
    void eventsAfterTheLastAccountedOneAreOnlyPendingAndRetentionIsRespected() {
        EventAccounting acc = holding(range(100, 130));
        acc.firstHeld(0, 100); // offsets before 100 went with retention
        acc.trained("a", 1, new Lineage("events", 0, 90, 120));
        List<Finding> findings = acc.findings();
        assertThat(findings).extracting(Finding::severity).containsExactly(Finding.Severity.OK,
                Finding.Severity.WARN);
        assertThat(findings.get(1).message()).isEqualTo("events/0 offsets 120..129: not trained yet (after the last "
                + "accounted event: the trainer's open batch, or events a redeploy without state skipped)");
    }

    @Test
    void manyRangesOfOneKindAreSummarized() {
        EventAccounting acc = holding(range(0, 100));
        for (int i = 0; i < 10; i++) {
            acc.trained("a", i + 1, new Lineage("events", 0, i * 10, i * 10 + 9)); // 9, 19, .., 89 lost (99 is not)
        }
        acc.trained("a", 11, new Lineage("events", 0, 99, 100));
        List<Finding> findings = acc.findings();
        assertThat(findings).hasSize(EventAccounting.MAX_LINES + 1);
        assertThat(findings.get(EventAccounting.MAX_LINES).message())
                .isEqualTo("events: 9 events in 9 ranges lost (neither trained nor dead-lettered, before later "
                        + "trained events) in all");
    }

    @Test
    void runsAreMergedAndSubtracted() {
        List<long[]> runs = new ArrayList<>();
        OffsetRuns.add(runs, 10, 20);
        OffsetRuns.add(runs, 0, 5);
        OffsetRuns.add(runs, 5, 8);
        OffsetRuns.add(runs, 18, 25);
        assertThat(runs).containsExactly(new long[] {0, 8}, new long[] {10, 25});
        assertThat(OffsetRuns.minus(List.of(new long[] {0, 30}), runs))
                .containsExactly(new long[] {8, 10}, new long[] {25, 30});
        assertThat(OffsetRuns.containing(runs, 7)).containsExactly(0, 8);
        assertThat(OffsetRuns.containing(runs, 8)).isNull();
        assertThat(OffsetRuns.containing(runs, 24)).containsExactly(10, 25);
        assertThat(OffsetRuns.containing(runs, 25)).isNull();
    }
}
