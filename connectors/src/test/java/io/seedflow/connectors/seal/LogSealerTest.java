package io.seedflow.connectors.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogHistory;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.ModelHistory;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sealer in a Flink test harness: pass-through, signed announcements, one seal per checkpoint, its state. */
class LogSealerTest {
    private static final String MODEL = "m";
    private static final String BASE = "ab".repeat(32);

    @TempDir
    Path dir;
    private Path keyFile;
    private LogSignatures.Verifier verifier;
    private LogSignatures.Signer signer;
    private final List<UpdateRecord> log = new ArrayList<>();
    private final List<byte[]> links = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        keyFile = Files.writeString(dir.resolve("k.pem"), LogSignatures.pem(pair.getPrivate()));
        verifier = new LogSignatures.Verifier(pair.getPublic());
        signer = new LogSignatures.Signer(pair.getPrivate());
        links.add(LogChain.root(MODEL, 0, BASE));
        for (int step = 1; step <= 8; step++) {
            UpdateRecord r = new UpdateRecord(1, MODEL, step <= 4 ? BASE : "cd".repeat(32), step,
                    UpdateStatus.APPLIED, 1f, List.of(new PerturbationTerm(step, 0.25f * step, 0, 0, 0)), 0, 0, 8,
                    List.of(new Lineage("events", 0, 8L * (step - 1), 8L * step)), 1_700_000_000_000L + step);
            log.add(r);
            links.add(LogChain.next(links.get(step - 1), UpdateRecordCodec.canonicalBytes(r)));
        }
    }

    @Test
    void recordsPassUnchangedAnnouncementsAreSignedAndEachCheckpointSealsTheNewestStep() throws Exception {
        OperatorSubtaskState state;
        try (var h = harness(LogHistory.NONE)) {
            h.open();
            h.processElement1(new StreamRecord<>(log.get(0)));
            h.processElement2(new StreamRecord<>(announcement(0)));
            h.processElement1(new StreamRecord<>(log.get(1)));
            h.processElement1(new StreamRecord<>(log.get(2)));
            assertThat(h.getSideOutput(LogSealer.NOTICES)).as("no seal between checkpoints").hasSize(1);
            h.prepareSnapshotPreBarrier(1);
            state = h.snapshot(1, 1);
            assertThat(h.extractOutputValues()).containsExactly(log.get(0), log.get(1), log.get(2));
            List<Object> notices = notices(h);
            SnapshotAnnouncement base = (SnapshotAnnouncement) notices.get(0);
            assertThat(base.chainHead).isEqualTo(links.get(0));
            assertThat(verifier.verifies(base)).isTrue();
            LogSeal seal = (LogSeal) notices.get(1);
            assertThat(seal.step).isEqualTo(3);
            assertThat(seal.chainHead).isEqualTo(links.get(3));
            assertThat(verifier.verifies(seal)).isTrue();
            h.prepareSnapshotPreBarrier(2);
            assertThat(notices(h)).as("nothing new: no second seal").hasSize(2);
        }
        // restored: the chain goes on from its state; the snapshot of step 4 is announced after step 5 was written
        try (var h = harness(LogHistory.NONE)) {
            h.initializeState(state);
            h.open();
            h.processElement1(new StreamRecord<>(log.get(3)));
            h.processElement1(new StreamRecord<>(log.get(4)));
            h.processElement2(new StreamRecord<>(announcement(4)));
            h.processElement2(new StreamRecord<>(announcement(6))); // ahead of its record: waits for it
            h.processElement1(new StreamRecord<>(log.get(5)));
            h.endInput1();
            h.endInput2(); // a bounded input's end seals at once
            List<Object> notices = notices(h);
            assertThat(notices).hasSize(3);
            assertThat(((SnapshotAnnouncement) notices.get(0)).chainHead).isEqualTo(links.get(4));
            assertThat(((SnapshotAnnouncement) notices.get(1)).chainHead).isEqualTo(links.get(6));
            assertThat(((LogSeal) notices.get(2)).chainHead).isEqualTo(links.get(6));
            assertThat(notices).allMatch(n -> n instanceof LogSeal s ? verifier.verifies(s)
                    : verifier.verifies((SnapshotAnnouncement) n));
        }
    }

    @Test
    void aJobWithoutStateContinuesTheChainOfTheCommittedLog() throws Exception {
        SnapshotAnnouncement announced = signer.sign(announcement(4), links.get(4));
        LogSeal sealed = signer.seal(MODEL, 6, links.get(6));
        try (var h = harness(history(announced, 6, sealed))) {
            h.open();
            h.processElement1(new StreamRecord<>(log.get(6)));
            h.prepareSnapshotPreBarrier(1);
            LogSeal seal = (LogSeal) notices(h).get(0);
            assertThat(seal.step).isEqualTo(7);
            assertThat(seal.chainHead).as("continued from the announced link over steps 5..7").isEqualTo(links.get(7));
        }
        // a log that was never signed: rooted at its snapshot
        try (var h = harness(history(announcement(4), 6, null))) {
            h.open();
            h.processElement1(new StreamRecord<>(log.get(6)));
            h.prepareSnapshotPreBarrier(1);
            byte[] root = LogChain.root(MODEL, 4, announcement(4).sha256);
            byte[] expected = LogChain.next(LogChain.next(LogChain.next(root,
                    UpdateRecordCodec.canonicalBytes(log.get(4))), UpdateRecordCodec.canonicalBytes(log.get(5))),
                    UpdateRecordCodec.canonicalBytes(log.get(6)));
            assertThat(((LogSeal) notices(h).get(0)).chainHead).isEqualTo(expected);
        }
    }

    @Test
    void aJobWithoutStateRefusesToContinueASignedLogThatDoesNotVerify() throws Exception {
        SnapshotAnnouncement announced = signer.sign(announcement(4), links.get(4));
        LogSignatures.Signer other = new LogSignatures.Signer(
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate());
        refused(history(announced, 6, other.seal(MODEL, 6, links.get(6))),
                "its newest seal (step 6) was not signed with this job's key");
        refused(history(other.sign(announcement(4), links.get(4)), 6, signer.seal(MODEL, 6, links.get(6))),
                "its snapshot of step 4 was not announced with this job's signing key");
        refused(history(announced, 6, signer.seal(MODEL, 5, links.get(5))),
                "its newest seal names step 5");
        refused(history(announced, 6, null), "its records up to step 6 are covered by no seal");
    }

    private void refused(LogHistory history, String why) throws Exception {
        try (var h = harness(history)) {
            h.open();
            assertThatThrownBy(() -> h.processElement1(new StreamRecord<>(log.get(6))))
                    .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
                    .rootCause().isInstanceOf(io.seedflow.core.error.LogVerificationException.class)
                    .hasMessageContaining(why);
        }
    }

    /** The committed log up to {@code lastStep} (records 1..lastStep) with this snapshot and newest seal. */
    private LogHistory history(SnapshotAnnouncement snapshot, int lastStep, LogSeal newestSeal) {
        return (modelId, steps) -> Optional.of(new ModelHistory(MODEL, snapshot, log.subList(0, lastStep), lastStep,
                List.of(), newestSeal));
    }

    @Test
    void recordsOutOfStepOrderAreABugThatStopsTheJob() throws Exception {
        try (var h = harness(LogHistory.NONE)) {
            h.open();
            h.processElement1(new StreamRecord<>(log.get(0)));
            assertThatThrownBy(() -> h.processElement1(new StreamRecord<>(log.get(2))))
                    .hasMessageContaining("the sealer's chain is at step 1 but the trainer wrote step 3");
        }
    }

    private TwoInputStreamOperatorTestHarness<UpdateRecord, SnapshotAnnouncement, UpdateRecord> harness(
            LogHistory history) throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(new LogSealer("signing-key", keyFile.toString(), 2, history));
    }

    private static List<Object> notices(
            TwoInputStreamOperatorTestHarness<UpdateRecord, SnapshotAnnouncement, UpdateRecord> h) {
        List<Object> out = new ArrayList<>();
        h.getSideOutput(LogSealer.NOTICES).forEach(r -> out.add(r.getValue()));
        return out;
    }

    private static SnapshotAnnouncement announcement(long step) {
        return new SnapshotAnnouncement(MODEL, step, "file:///s/" + step, Long.toString(step).repeat(64).substring(0,
                64), 100, "w" + step, 0);
    }
}
