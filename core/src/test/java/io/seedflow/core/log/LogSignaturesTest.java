package io.seedflow.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSignaturesTest {
    @TempDir
    Path dir;

    @Test
    void theRootIsTheSha256OfItsDocumentedBytes() throws Exception {
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(HexFormat.of().parseHex(
                hex("seedflow-log-chain-root-v1") + "00" + hex("m") + "00" + "0000000000000007" + hex("abc")));
        assertThat(LogChain.root("m", 7, "abc")).isEqualTo(expected);
        assertThat(LogChain.root("m", 8, "abc")).isNotEqualTo(expected);
        assertThat(LogChain.root("n", 7, "abc")).isNotEqualTo(expected);
    }

    @Test
    void aLinkCommitsToThePreviousLinkAndTheRecordBytes() throws Exception {
        byte[] root = LogChain.root("m", 0, "s");
        byte[] record = {1, 2, 3};
        byte[] both = new byte[35];
        System.arraycopy(root, 0, both, 0, 32);
        System.arraycopy(record, 0, both, 32, 3);
        assertThat(LogChain.next(root, record)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(both));
        assertThat(LogChain.next(root, new byte[] {1, 2, 4})).isNotEqualTo(LogChain.next(root, record));
        assertThatThrownBy(() -> LogChain.next(new byte[31], record)).hasMessageContaining("expected 32 bytes, got 31");
    }

    @Test
    void sealsAndAnnouncementsVerifyOnlyUnchangedAndWithTheirKey() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        LogSignatures.Signer signer = new LogSignatures.Signer(pair.getPrivate());
        LogSignatures.Verifier verifier = new LogSignatures.Verifier(pair.getPublic());
        byte[] head = LogChain.root("m", 3, "s");

        LogSeal seal = signer.seal("m", 3, head);
        assertThat(seal.signature).hasSize(LogSignatures.SIGNATURE_BYTES);
        assertThat(verifier.verifies(seal)).isTrue();
        assertThat(new LogSignatures.Verifier(other.getPublic()).verifies(seal)).as("another key").isFalse();
        assertThat(verifier.verifies(new LogSeal("m", 4, head, seal.signature))).as("another step").isFalse();
        assertThat(verifier.verifies(new LogSeal("n", 3, head, seal.signature))).as("another model").isFalse();
        assertThat(verifier.verifies(new LogSeal("m", 3, LogChain.root("m", 3, "t"), seal.signature)))
                .as("another link").isFalse();
        assertThat(verifier.verifies(new LogSeal("m", 3, head, new byte[5]))).as("a short signature").isFalse();

        SnapshotAnnouncement a = new SnapshotAnnouncement("m", 3, "file:///x", "ab".repeat(32), 10, "w", 0);
        assertThat(verifier.verifies(a)).as("unsigned").isFalse();
        SnapshotAnnouncement signed = signer.sign(a, head);
        assertThat(verifier.verifies(signed)).isTrue();
        SnapshotAnnouncement otherFile = signer.sign(a, head);
        otherFile.sha256 = "cd".repeat(32);
        assertThat(verifier.verifies(otherFile)).as("another file").isFalse();
        assertThat(signed.signature).as("a seal and an announcement of one step sign different statements")
                .isNotEqualTo(seal.signature);
    }

    @Test
    void keysAreReadFromPemFilesAndBadFilesAreNamed() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path priv = Files.writeString(dir.resolve("k.pem"), LogSignatures.pem(pair.getPrivate()));
        Path pub = Files.writeString(dir.resolve("k.pub.pem"), LogSignatures.pem(pair.getPublic()));
        byte[] statement = LogSignatures.sealStatement("m", 1, new byte[32]);
        byte[] sig = new LogSignatures.Signer(LogSignatures.readPrivateKey("k", priv)).sign(statement);
        assertThat(new LogSignatures.Verifier(LogSignatures.readPublicKey("k", pub)).verifies(statement, sig)).isTrue();

        assertThatThrownBy(() -> LogSignatures.readPrivateKey("seedflow.job.signing-key", dir.resolve("none.pem")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("seedflow.job.signing-key").hasMessageContaining("none.pem")
                .hasMessageContaining("readable PEM file");
        assertThatThrownBy(() -> LogSignatures.readPrivateKey("k", pub)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'-----BEGIN PRIVATE KEY-----' block");
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        Path rsaPub = Files.writeString(dir.resolve("rsa.pub.pem"), LogSignatures.pem(rsa.getPublic()));
        assertThatThrownBy(() -> LogSignatures.readPublicKey("--verify-key", rsaPub))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not an Ed25519 public key");
        Path garbage = Files.writeString(dir.resolve("g.pem"), "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n");
        assertThatThrownBy(() -> LogSignatures.readPublicKey("--verify-key", garbage))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("--verify-key");
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
    }
}
