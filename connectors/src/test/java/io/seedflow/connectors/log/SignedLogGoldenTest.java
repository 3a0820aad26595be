package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.UpdateRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The golden signed log of docs/update-log-spec.md §10: the chain over the three records of
 * {@code model-update-v4.hex}, rooted at their base snapshot at step 7, and the seal of step 10 signed with the test
 * key {@code log-signing-test-key.pem} (Ed25519 signatures are deterministic, so the seal's bytes are fixed).
 * {@code log-seal-v1.txt} holds the root, each record's canonical bytes and link, and the seal's Avro body.
 * Regenerate (only when the spec changes) with {@code -Dseedflow.golden.write=<dir>}.
 */
class SignedLogGoldenTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void theChainAndTheSealOfTheGoldenLogAreAsTheFixtureSays() throws Exception {
        assertFixture("log-seal-v1.txt", fixtureLines());
    }

    /**
     * {@code lines} are the text fixture {@code name}; with {@code -Dseedflow.golden.write=<dir>} they are also written
     * there (to regenerate it when the spec changes).
     */
    static void assertFixture(String name, List<String> lines) throws Exception {
        String written = String.join("\n", lines) + "\n";
        String target = System.getProperty("seedflow.golden.write");
        if (target != null) {
            Files.writeString(Path.of(target, name), written);
        }
        assertThat(written).isEqualTo(UpdateRecordFormatThreeTest.resource(name) + "\n");
    }

    @Test
    void theGoldenSealVerifiesWithThePublicKeyAndNotAfterAChange() throws Exception {
        LogSignatures.Verifier verifier = new LogSignatures.Verifier(LogSignatures.readPublicKey("test key",
                golden("log-signing-test-key.pub.pem")));
        LogSeal seal = seal();
        assertThat(verifier.verifies(seal)).isTrue();
        seal.chainHead[0] ^= 1;
        assertThat(verifier.verifies(seal)).isFalse();
    }

    @Test
    void canonicalBytesDoNotDependOnHowTheRecordTravelled() {
        for (UpdateRecord r : UpdateRecordFixtures.goldenV4Log()) {
            byte[] canonical = UpdateRecordCodec.canonicalBytes(r);
            assertThat(UpdateRecordCodec.canonicalBytes(UpdateRecordFixtures.compactView(r))).as("read back compact")
                    .isEqualTo(canonical);
            assertThat(UpdateRecordCodec.canonicalBytes(UpdateRecordCodec.fromAvro(UpdateRecordCodec.toAvro(r))))
                    .as("read back in format 1-3").isEqualTo(canonical);
        }
    }

    private static List<String> fixtureLines() throws Exception {
        List<UpdateRecord> log = UpdateRecordFixtures.goldenV4Log();
        UpdateRecord first = log.get(0);
        byte[] link = LogChain.root(first.modelId(), first.step() - 1, first.baseSnapshotId());
        List<String> lines = new ArrayList<>();
        lines.add("root " + first.modelId() + " " + (first.step() - 1) + " " + first.baseSnapshotId() + " "
                + HEX.formatHex(link));
        for (UpdateRecord r : log) {
            byte[] canonical = UpdateRecordCodec.canonicalBytes(r);
            link = LogChain.next(link, canonical);
            lines.add("record " + r.step() + " " + HEX.formatHex(canonical));
            lines.add("link " + r.step() + " " + HEX.formatHex(link));
        }
        LogSignatures.Signer signer = new LogSignatures.Signer(LogSignatures.readPrivateKey("test key",
                golden("log-signing-test-key.pem")));
        LogSeal seal = signer.seal(first.modelId(), log.get(log.size() - 1).step(), link);
        lines.add("seal " + HEX.formatHex(encode(SnapshotAnnouncementCodec.toAvro(seal))));
        return lines;
    }

    private static LogSeal seal() throws Exception {
        for (String line : UpdateRecordFormatThreeTest.resource("log-seal-v1.txt").lines().toList()) {
            if (line.startsWith("seal ")) {
                io.seedflow.schemas.LogSeal avro = new org.apache.avro.specific.SpecificDatumReader<>(
                        io.seedflow.schemas.LogSeal.class).read(null, org.apache.avro.io.DecoderFactory.get()
                                .binaryDecoder(HEX.parseHex(line.substring(5)), null));
                return SnapshotAnnouncementCodec.fromAvro(avro);
            }
        }
        throw new AssertionError("no seal line in log-seal-v1.txt");
    }

    private static byte[] encode(io.seedflow.schemas.LogSeal s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(io.seedflow.schemas.LogSeal.class).write(s, enc);
        enc.flush();
        return out.toByteArray();
    }

    static Path golden(String name) throws URISyntaxException {
        return Path.of(SignedLogGoldenTest.class.getResource("/golden/" + name).toURI());
    }
}
