package io.seedflow.operators;

import static io.seedflow.operators.ZoTrainerFunctionTest.conf;
import static io.seedflow.operators.ZoTrainerFunctionTest.examples;
import static io.seedflow.operators.ZoTrainerFunctionTest.feed;
import static io.seedflow.operators.ZoTrainerFunctionTest.harness;
import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.log.UpdateRecord;
import io.seedflow.operators.FileSystemSnapshotStore.Stored;
import io.seedflow.operators.internal.SnapshotRetention;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retirement of old snapshots: the policy never picks the checkpointed pointer, anything newer, the newest few or a
 * young snapshot; the trainer applies it only after a checkpoint completes, and a restore from that checkpoint still
 * finds its snapshot.
 */
class SnapshotRetirementTest {
    private static final String MODEL = "model-a";
    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir
    Path tmp;

    private static Stored stored(long step, long modifiedMillis) {
        String id = String.format("%064x", step);
        return new Stored(id, "file:/s/" + id + ".safetensors", MODEL, step, 100, modifiedMillis);
    }

    @Test
    void policyKeepsThePointerEverythingNewerTheNewestFewAndYoungSnapshots() {
        long now = 100 * DAY;
        List<Stored> all = new ArrayList<>();
        for (long step = 0; step <= 10; step++) {
            all.add(stored(step * 100, now - (20 - step) * DAY)); // step 0 is 20 days old, step 1000 10 days old
        }
        all.add(stored(1100, now - 1000)); // written a second ago
        SnapshotRetention retention = new SnapshotRetention(2, Duration.ofDays(12));

        // pointer of the newest completed checkpoint at step 500: only steps below it, outside the newest 2, older
        // than 12 days may go: steps 0..400 are 20..16 days old
        List<Long> retired = retention.retire(all, 500, now).stream().map(Stored::step).toList();
        assertThat(retired).containsExactlyInAnyOrder(0L, 100L, 200L, 300L, 400L);

        // the floor binds: with the pointer still at the base snapshot nothing is retired, however old
        assertThat(retention.retire(all, 0, now)).isEmpty();
        // the newest N bind: two snapshots, both old and below the pointer, stay
        assertThat(retention.retire(List.of(stored(0, 0), stored(100, 0)), 1_000_000, now)).isEmpty();
        // the minimum age binds: steps 700.. are younger than 12 days
        assertThat(retention.retire(all, 1100, now)).extracting(Stored::step)
                .containsExactlyInAnyOrder(0L, 100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L);
        assertThat(SnapshotRetention.OFF.retire(all, 1100, now + 1000 * DAY)).isEmpty();
    }

    @Test
    void trainerRetiresOnlyAfterACompletedCheckpointAndItsRestoreStillWorks() throws Exception {
        Configuration c = conf("mlp:8x6x3:relu", tmp, 2, 1); // a snapshot after every step
        c.set(ZoTrainerOptions.SNAPSHOT_RETAIN_NEWEST, 2);
        c.set(ZoTrainerOptions.SNAPSHOT_RETAIN_MIN_AGE, Duration.ZERO);
        FileSystemSnapshotStore store = new FileSystemSnapshotStore(tmp.toString());
        OperatorSubtaskState state;
        long pointerStep;
        try (var h = harness(new ZoTrainerFunction(c))) {
            h.open();
            feed(h, examples(20, 8, 3, 7)); // 10 steps
            awaitAnnouncements(h, 11); // base + one per step, all stored
            assertThat(store.list(MODEL)).hasSize(11);
            state = h.snapshot(1L, 1L);
            pointerStep = store.list(MODEL).get(0).step();
            // not completed yet: nothing is deleted
            Thread.sleep(200);
            assertThat(store.list(MODEL)).hasSize(11);
            h.notifyOfCompletedCheckpoint(1L);
            awaitCount(store, 2);
            assertThat(store.list(MODEL)).extracting(Stored::step).containsExactly(10L, 9L);
            assertThat(pointerStep).isEqualTo(10);
        }
        // the checkpoint's pointer (step 10) is still there: the restore loads it and trains on
        try (var h = harness(new ZoTrainerFunction(c))) {
            h.initializeState(state);
            h.open();
            List<UpdateRecord> more = feed(h, examples(4, 8, 3, 8));
            assertThat(more).extracting(UpdateRecord::step).containsExactly(11L, 12L);
        }
    }

    private static void awaitAnnouncements(KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h, int n)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long t = 0;
        while (h.getSideOutput(ZoTrainerFunction.SNAPSHOTS) == null
                || h.getSideOutput(ZoTrainerFunction.SNAPSHOTS).size() < n) {
            assertThat(System.nanoTime()).as("waiting for %d stored snapshots", n).isLessThan(deadline);
            t += 100; // fires the upload polls; full batches leave no max-wait timer to fire
            h.setProcessingTime(t);
            Thread.sleep(10);
        }
    }

    private static void awaitCount(FileSystemSnapshotStore store, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (store.list(MODEL).size() != n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
