package io.seedflow.connectors.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SnapshotReader;
import io.seedflow.core.zo.ZoOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The audit's per-model checks on a real log: 8 steps of an MLP trained by {@link TrainingSession}, a snapshot taken
 * at step 4 (records 5..8 name it), both snapshots announced; then the same log with a fork, a gap, a duplicate, a
 * tampered announcement and a record on a base the replay does not reach.
 */
class ModelLogTest {
    private static final String MODEL = "m";

    private final Map<String, EncodedSnapshot> store = new HashMap<>();
    private final SnapshotReader snapshots = (uri, sha) -> {
        EncodedSnapshot s = store.get(uri);
        if (s == null) {
            throw new SnapshotIntegrityException("no file " + uri);
        }
        return SafetensorsFormat.decode(s.bytes(), sha);
    };
    private final List<UpdateRecord> records = new ArrayList<>();
    private final List<SnapshotAnnouncement> announced = new ArrayList<>();

    ModelLogTest() {
        TrainingSession.Started started = TrainingSession.fresh(MODEL, ModelSpecs.parse("mlp:4x3x2:relu"),
                ZoOptions.builder().learningRate(0.05).runSeed(3).build(), 7, BackendFactory.cpu());
        announce(started.snapshotsToStore().get(0));
        try (TrainingSession session = started.session()) {
            Random random = new Random(1);
            for (int step = 1; step <= 8; step++) {
                float[] x = new float[8 * 4];
                int[] y = new int[8];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                for (int i = 0; i < y.length; i++) {
                    y[i] = random.nextInt(2);
                }
                records.add(session.step(new Batch(x, y, 8, 4), List.of(new Lineage("events", 0, step * 8L - 8,
                        step * 8L))));
                if (step == 4) {
                    announce(session.takeSnapshot());
                }
            }
        }
    }

    private void announce(EncodedSnapshot s) {
        String uri = "mem://" + s.sha256();
        store.put(uri, s);
        SnapshotAnnouncement a = new SnapshotAnnouncement();
        a.modelId = MODEL;
        a.step = s.step();
        a.uri = uri;
        a.sha256 = s.sha256();
        a.sizeBytes = s.sizeBytes();
        a.weightsSha256 = s.weightsSha256();
        announced.add(a);
    }

    private ModelLog log(List<UpdateRecord> rs) {
        ModelLog log = new ModelLog(MODEL);
        long offset = 0;
        log.announcement(offset++, announced.get(0));
        for (UpdateRecord r : rs) {
            log.step(offset++, r);
            if (r.step() == 4) {
                log.announcement(offset++, announced.get(1));
            }
        }
        return log;
    }

    @Test
    void aLogAsTheTrainerWroteItPasses() {
        ModelLog log = log(records);
        assertThat(log.steps()).singleElement().hasToString("OK   steps      model 'm': steps 1..8 contiguous in 8 "
                + "records, 2 snapshot announcements");
        List<Finding> replay = log.replay(snapshots);
        assertThat(replay).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Finding.Severity.OK);
            assertThat(f.message()).contains("replayed steps 1..8 from the snapshot of step 0")
                    .contains("the 1 base snapshots the records name and the 1 announced snapshots match");
        });
    }

    @Test
    void aForkAGapAndADuplicateAreEachNamed() {
        List<UpdateRecord> forked = new ArrayList<>(records.subList(0, 6));
        forked.addAll(records.subList(0, 2)); // a second trainer without state: steps 1, 2 again
        assertThat(log(forked).steps()).extracting(Finding::toString).containsExactly(
                "FAIL steps      model 'm': a second step 1 at offset 8 after step 6 (offset 7): the log forks; a "
                        + "trainer started without state on a model that already had a log");
        List<UpdateRecord> gap = new ArrayList<>(records);
        gap.remove(5); // step 6
        gap.add(records.get(2)); // and step 3 again at the end
        assertThat(log(gap).steps()).extracting(Finding::message).containsExactly(
                "model 'm': steps 6..6 missing between offsets 6 and 7",
                "model 'm': step 3 at offset 9 after step 8: written twice or out of order");
        assertThat(log(gap).replay(snapshots)).extracting(Finding::message).singleElement().asString()
                .startsWith("model 'm': the replay stops at the record of step 7 (offset 7): UpdateLogGapException");
    }

    @Test
    void aSnapshotThatIsNotTheReplayedWeightsIsFound() {
        SnapshotAnnouncement tampered = announced.get(1);
        tampered.weightsSha256 = "0".repeat(64);
        List<Finding> replay = log(records).replay(snapshots);
        assertThat(replay).extracting(Finding::severity).contains(Finding.Severity.FAIL);
        assertThat(replay).extracting(Finding::message).anySatisfy(m -> assertThat(m)
                .startsWith("model 'm': the snapshot announced for step 4 (file " + tampered.sha256 + ", weights 000")
                .contains("differs from the replay (file " + tampered.sha256 + ", weights "));
    }

    @Test
    void theReplayStartsFromTheFirstSnapshotItCanFetch() {
        store.remove(announced.get(0).uri); // the base went with retention: start at step 4
        List<Finding> replay = log(records).replay(snapshots);
        assertThat(replay).extracting(Finding::severity).containsExactly(Finding.Severity.OK, Finding.Severity.WARN);
        assertThat(replay.get(0).message()).contains("replayed steps 5..8 from the snapshot of step 4");
        assertThat(replay.get(1).message()).contains("announced snapshot of step 0").contains("cannot be used: no file");
    }

    /** The log rolled back at step 9 to {@code toVersion}, its snapshot holding the replayed weights of {@code holds}. */
    private ModelLog rolledBack(long toVersion, long holds) {
        io.seedflow.core.snapshot.Snapshot base = snapshots.load(announced.get(0).uri, announced.get(0).sha256);
        io.seedflow.core.log.Replica replica = new io.seedflow.core.log.Replica(MODEL, base.parameters(), 0);
        records.subList(0, (int) holds).forEach(replica::apply);
        EncodedSnapshot s = EncodedSnapshot.of(MODEL, 9, "mlp:4x3x2:relu", replica.parameters());
        announce(s);
        ModelLog log = log(records);
        log.step(100, new io.seedflow.core.log.ModelRollback(MODEL, 9, toVersion, s.weightsSha256(), "mem://"
                + s.sha256(), s.sha256(), s.sizeBytes(), 1_000, "bad labels"));
        log.announcement(101, announced.get(announced.size() - 1));
        return log;
    }

    @Test
    void aRollbackIsListedAndItsWeightsAreTheReplayedWeightsOfItsVersion() {
        ModelLog log = rolledBack(5, 5);
        assertThat(log.steps()).extracting(Finding::toString).containsExactly(
                "OK   steps      model 'm': steps 1..9 contiguous in 9 records (1 of them a rollback), 3 snapshot "
                        + "announcements",
                "OK   steps      model 'm': step 9 (offset 100) rolls back to version 5, undoing steps 6..8, at "
                        + "1970-01-01T00:00:01Z: bad labels");
        assertThat(log.replay(snapshots)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Finding.Severity.OK);
            assertThat(f.message()).contains("replayed steps 1..9 from the snapshot of step 0")
                    .contains("the 2 announced snapshots match");
        });
    }

    @Test
    void aRollbackToWeightsTheReplayDidNotHaveAtItsVersionFails() {
        List<Finding> replay = rolledBack(5, 6).replay(snapshots);
        assertThat(replay).extracting(Finding::severity).containsExactly(Finding.Severity.FAIL);
        assertThat(replay.get(0).message()).startsWith("model 'm': the replay stops at the rollback of step 9 (offset "
                + "100): SnapshotIntegrityException: it names the weights ").contains("for version 5 but the replay "
                + "had ");
    }
}
