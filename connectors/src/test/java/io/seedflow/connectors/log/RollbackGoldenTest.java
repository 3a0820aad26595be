package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.tensor.ParameterSet;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The golden rollback of docs/update-log-spec.md §11: the signed golden log of §10 (steps 8..10 on the golden weights
 * at step 7) rolled back at step 11 to version 8. {@code log-rollback-v1.txt} holds the weights hash of version 8
 * (the golden weights with record 8 applied), the rollback's Avro body (its canonical bytes), the chain link it makes
 * after link 10 of {@code log-seal-v1.txt}, and the seal of step 11 signed with the test key. Regenerate (only when
 * the spec changes) with {@code -Dseedflow.golden.write=<dir>}.
 */
class RollbackGoldenTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String SPEC = "mlp:4x3x2:relu";

    @Test
    void theRollbackItsLinkAndItsSealAreAsTheFixtureSays() throws Exception {
        SignedLogGoldenTest.assertFixture("log-rollback-v1.txt", fixtureLines());
    }

    @Test
    void theGoldenRollbackReadsBackAndItsSealVerifies() throws Exception {
        ModelRollback r = golden();
        assertThat(ModelRollbackCodec.fromAvro(ModelRollbackCodec.toAvro(r))).isEqualTo(r);
        LogSeal seal = sealOf(LogChain.next(linkTen(), ModelRollbackCodec.canonicalBytes(r)));
        LogSignatures.Verifier verifier = new LogSignatures.Verifier(LogSignatures.readPublicKey("test key",
                SignedLogGoldenTest.golden("log-signing-test-key.pub.pem")));
        assertThat(verifier.verifies(seal)).isTrue();
    }

    @Test
    void aReplicaAtVersionTenReturnsToTheWeightsOfVersionEightAndRefusesOtherWeights() {
        Replica replica = new Replica("elastic-head", UpdateRecordFixtures.goldenWeights(), 7);
        UpdateRecordFixtures.goldenV4Log().forEach(replica::apply);
        ModelRollback r = golden();
        Replica back = replica.rolledBack(r, SafetensorsFormat.decode(snapshotAtEleven().bytes(), null));
        assertThat(back.version()).isEqualTo(11);
        assertThat(back.parameters().weightsSha256()).isEqualTo(versionEight().weightsSha256());

        EncodedSnapshot tenAsEleven = EncodedSnapshot.of("elastic-head", 11, SPEC, replica.parameters());
        Snapshot other = SafetensorsFormat.decode(tenAsEleven.bytes(), null);
        assertThatThrownBy(() -> replica.rolledBack(r, other)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("names snapshot " + r.snapshotSha256() + " but got snapshot " + other.sha256());
    }

    /** The golden weights at version 8: the base at step 7 and record 8. */
    private static ParameterSet versionEight() {
        Replica replica = new Replica("elastic-head", UpdateRecordFixtures.goldenWeights(), 7);
        replica.apply(UpdateRecordFixtures.goldenV4Log().get(0));
        return replica.parameters();
    }

    private static EncodedSnapshot snapshotAtEleven() {
        return EncodedSnapshot.of("elastic-head", 11, SPEC, versionEight());
    }

    /** Step 11 of the golden log: back to version 8, its weights stored as a snapshot of step 11. */
    static ModelRollback golden() {
        EncodedSnapshot s = snapshotAtEleven();
        UpdateRecord first = UpdateRecordFixtures.goldenV4Log().get(0);
        return new ModelRollback("elastic-head", 11, 8, s.weightsSha256(), "file:///golden/" + s.sha256()
                + ".safetensors", s.sha256(), s.sizeBytes(), first.trainerTimeMillis() + 60_000, "golden rollback");
    }

    private static byte[] linkTen() throws Exception {
        for (String line : UpdateRecordFormatThreeTest.resource("log-seal-v1.txt").lines().toList()) {
            if (line.startsWith("link 10 ")) {
                return HEX.parseHex(line.substring(8));
            }
        }
        throw new AssertionError("no link 10 in log-seal-v1.txt");
    }

    private static LogSeal sealOf(byte[] link) throws Exception {
        return new LogSignatures.Signer(LogSignatures.readPrivateKey("test key",
                SignedLogGoldenTest.golden("log-signing-test-key.pem"))).seal("elastic-head", 11, link);
    }

    private static List<String> fixtureLines() throws Exception {
        ModelRollback r = golden();
        byte[] canonical = ModelRollbackCodec.canonicalBytes(r);
        byte[] link = LogChain.next(linkTen(), canonical);
        List<String> lines = new ArrayList<>();
        lines.add("weights 8 " + r.weightsSha256());
        lines.add("snapshot 11 " + r.snapshotSha256() + " " + r.snapshotSizeBytes());
        lines.add("rollback 11 " + HEX.formatHex(canonical));
        lines.add("link 11 " + HEX.formatHex(link));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(io.seedflow.schemas.LogSeal.class).write(SnapshotAnnouncementCodec.toAvro(
                sealOf(link)), enc);
        enc.flush();
        lines.add("seal " + HEX.formatHex(out.toByteArray()));
        return lines;
    }
}
