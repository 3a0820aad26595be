package io.seedflow.connectors.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.error.UpdateLogGapException;
import io.seedflow.core.error.UpdateOrderException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A verifying replica's view of a signed log: only what the trainer's chain and seals vouch for is released. */
class VerifiedLogTest {
    private static final String MODEL = "m";
    private static final String BASE = "ab".repeat(32);

    private LogSignatures.Signer signer;
    private LogSignatures.Verifier verifier;
    private List<UpdateRecord> log;
    private List<byte[]> links; // links.get(i) = link after step i; links.get(0) = root

    @BeforeEach
    void trainerLog() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        signer = new LogSignatures.Signer(pair.getPrivate());
        verifier = new LogSignatures.Verifier(pair.getPublic());
        log = new ArrayList<>();
        links = new ArrayList<>(List.of(LogChain.root(MODEL, 0, BASE)));
        for (int step = 1; step <= 6; step++) {
            UpdateRecord r = record(step, 0.5f * step);
            log.add(r);
            links.add(LogChain.next(links.get(step - 1), UpdateRecordCodec.canonicalBytes(r)));
        }
    }

    @Test
    void recordsAreHeldUntilASealVerifiesThemThenReleasedInOrder() {
        VerifiedLog v = started();
        assertThat(v.offer(log.get(0))).isEmpty();
        assertThat(v.offer(log.get(1))).isEmpty();
        assertThat(v.offer(log.get(2))).isEmpty();
        assertThat(v.offer(seal(2))).containsExactly(log.get(0), log.get(1));
        assertThat(v.verifiedStep()).isEqualTo(2);
        assertThat(v.heldRecords()).isEqualTo(1);
        assertThat(v.offer(seal(1))).as("a seal of a verified step").isEmpty();
        assertThat(v.offer(seal(4))).as("a seal before its records").isEmpty();
        assertThat(v.offer(log.get(3))).containsExactly(log.get(2), log.get(3));
        assertThat(v.verifiedStep()).isEqualTo(4);
    }

    @Test
    void anAlteredRecordIsRefusedAndNothingOfItsSealIsReleased() {
        VerifiedLog v = started();
        v.offer(log.get(0));
        v.offer(record(2, 7f)); // same step, another coefficient
        assertThatThrownBy(() -> v.offer(seal(2))).isInstanceOf(LogVerificationException.class)
                .hasMessageContaining("steps 1..2 do not continue the signed chain")
                .hasMessageContaining(LogChain.hex(links.get(2)));
        assertThat(v.verifiedStep()).isZero();
    }

    @Test
    void aForgedRecordWithTheRightStepIsRefused() {
        VerifiedLog v = started();
        UpdateRecord r = log.get(0);
        UpdateRecord forged = new UpdateRecord(r.formatVersion(), MODEL, BASE, 1, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(99, 100f, Float.NaN, Float.NaN, Float.NaN)), Float.NaN, Float.NaN, 0,
                r.lineage(), r.trainerTimeMillis());
        v.offer(forged);
        assertThatThrownBy(() -> v.offer(seal(1))).isInstanceOf(LogVerificationException.class);
    }

    @Test
    void aSplicedRecordFromAnotherRunIsRefused() {
        VerifiedLog v = started();
        v.offer(log.get(0));
        UpdateRecord other = log.get(1);
        v.offer(new UpdateRecord(other.formatVersion(), MODEL, "cd".repeat(32), 2, other.status(),
                other.decayFactor(), other.perturbations(), other.epsilon(), other.learningRate(), other.batchSize(),
                other.lineage(), other.trainerTimeMillis())); // step 2 of another line, on another base
        assertThatThrownBy(() -> v.offer(seal(2))).isInstanceOf(LogVerificationException.class);
    }

    @Test
    void reorderedAndDroppedRecordsFailTheOrderChecks() {
        VerifiedLog v = started();
        v.offer(log.get(0));
        assertThatThrownBy(() -> v.offer(log.get(2))).as("step 2 dropped").isInstanceOf(UpdateLogGapException.class);
        v.offer(log.get(1));
        assertThatThrownBy(() -> v.offer(log.get(0))).as("step 1 again after 2")
                .isInstanceOf(UpdateOrderException.class);
    }

    @Test
    void aSealSignedWithAnotherKeyOrChangedIsRefused() throws Exception {
        VerifiedLog v = started();
        v.offer(log.get(0));
        LogSignatures.Signer other = new LogSignatures.Signer(
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate());
        assertThatThrownBy(() -> v.offer(other.seal(MODEL, 1, links.get(1))))
                .isInstanceOf(LogVerificationException.class)
                .hasMessageContaining("does not verify with the configured public key " + verifier.fingerprint());
        LogSeal changed = seal(1);
        changed.step = 2;
        assertThatThrownBy(() -> v.offer(changed)).isInstanceOf(LogVerificationException.class);
        assertThat(v.verifiedStep()).isZero();
    }

    @Test
    void recordsThatNoSealCoversAreRefusedPastTheBound() {
        VerifiedLog v = new VerifiedLog(MODEL, verifier, 3);
        v.start(0, links.get(0));
        for (int i = 0; i < 3; i++) {
            v.offer(log.get(i));
        }
        assertThatThrownBy(() -> v.offer(log.get(3))).isInstanceOf(LogVerificationException.class)
                .hasMessageContaining("4 records (steps 1..4) came without a seal");
    }

    @Test
    void aReplicaStartedAtASnapshotVerifiesFromItsAnnouncedLink() {
        VerifiedLog v = new VerifiedLog(MODEL, verifier);
        v.start(3, links.get(3));
        v.offer(log.get(3));
        assertThat(v.offer(seal(4))).containsExactly(log.get(3));
        v.start(3, links.get(2)); // a snapshot announced with another line's link
        v.offer(log.get(3));
        assertThatThrownBy(() -> v.offer(seal(4))).isInstanceOf(LogVerificationException.class);
    }

    private VerifiedLog started() {
        VerifiedLog v = new VerifiedLog(MODEL, verifier);
        v.start(0, links.get(0));
        return v;
    }

    private LogSeal seal(int step) {
        return signer.seal(MODEL, step, links.get(step));
    }

    private static UpdateRecord record(long step, float coefficient) {
        return new UpdateRecord(1, MODEL, BASE, step, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(1000 + step, coefficient, Float.NaN, Float.NaN, Float.NaN)), Float.NaN,
                Float.NaN, 0, List.of(new Lineage("events", 0, 10 * (step - 1), 10 * step)), 1_700_000_000_000L + step);
    }

    @Test
    void aRollbackIsALinkOfTheChainHeldAndReleasedLikeARecord() {
        io.seedflow.core.log.ModelRollback rollback = new io.seedflow.core.log.ModelRollback(MODEL, 4, 1, "w",
                "file:///s", "cd".repeat(32), 10, 1_000, "");
        byte[] link = UpdateRecordCodec.nextLink(links.get(3), rollback);
        VerifiedLog v = started();
        log.subList(0, 3).forEach(v::offer);
        assertThat(v.offer(rollback)).isEmpty();
        assertThat(v.offer(signer.seal(MODEL, 4, link))).containsExactly(log.get(0), log.get(1), log.get(2),
                rollback);

        VerifiedLog altered = started();
        log.subList(0, 3).forEach(altered::offer);
        altered.offer(new io.seedflow.core.log.ModelRollback(MODEL, 4, 2, "w", "file:///s", "cd".repeat(32), 10,
                1_000, ""));
        assertThatThrownBy(() -> altered.offer(signer.seal(MODEL, 4, link)))
                .isInstanceOf(LogVerificationException.class).hasMessageContaining("steps 1..4 do not continue");
    }
}
