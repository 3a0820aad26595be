package io.seedflow.core.log;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 signatures over a model's log (docs/update-log-spec.md §10), with the JDK's own EdDSA. The trainer signs
 * <em>statements</em>: a checkpoint seal ("the chain of model M at step n is h") and a snapshot announcement ("the
 * snapshot with file SHA-256 f holds version n of M, whose chain is h"). Keys are PEM files as {@code openssl genpkey
 * -algorithm ed25519} writes them: the private key PKCS#8 ({@code BEGIN PRIVATE KEY}), the public key X.509
 * SubjectPublicKeyInfo ({@code BEGIN PUBLIC KEY}, from {@code openssl pkey -pubout}).
 */
public final class LogSignatures {
    public static final String ALGORITHM = "Ed25519";
    public static final int SIGNATURE_BYTES = 64;
    private static final String SEAL_DOMAIN = "seedflow-log-seal-v1";
    private static final String SNAPSHOT_DOMAIN = "seedflow-snapshot-v1";

    private LogSignatures() {
    }

    /**
     * {@code "seedflow-log-seal-v1" 0x00 modelId 0x00 step(8 bytes, big-endian) chainHead(32)}: what a seal signs.
     */
    public static byte[] sealStatement(String modelId, long step, byte[] chainHead) {
        return statement(SEAL_DOMAIN, modelId, step, chainHead, "");
    }

    /**
     * {@code "seedflow-snapshot-v1" 0x00 modelId 0x00 step(8 bytes, big-endian) chainHead(32) snapshotSha256} (the
     * file's SHA-256 as 64 lowercase hex digits): what an announcement signs.
     */
    public static byte[] snapshotStatement(String modelId, long step, byte[] chainHead, String snapshotSha256) {
        return statement(SNAPSHOT_DOMAIN, modelId, step, chainHead, snapshotSha256);
    }

    private static byte[] statement(String domain, String modelId, long step, byte[] chainHead, String tail) {
        LogChain.requireLink(chainHead, "chain head");
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.writeBytes(domain.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        out.writeBytes(modelId.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(Long.BYTES).putLong(step).array());
        out.writeBytes(chainHead);
        out.writeBytes(tail.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Signs statements with one private key; not thread-safe (one per operator instance). */
    public static final class Signer {
        private final Signature signature;

        public Signer(PrivateKey key) {
            try {
                signature = Signature.getInstance(ALGORITHM);
                signature.initSign(key);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("not an " + ALGORITHM + " private key: " + e.getMessage(), e);
            }
        }

        public byte[] sign(byte[] statement) {
            try {
                signature.update(statement);
                return signature.sign();
            } catch (SignatureException e) {
                throw new IllegalStateException("signing failed: " + e.getMessage(), e);
            }
        }

        public LogSeal seal(String modelId, long step, byte[] chainHead) {
            return new LogSeal(modelId, step, chainHead, sign(sealStatement(modelId, step, chainHead)));
        }

        /** {@code a} with the chain link at its step and the signature of its statement. */
        public SnapshotAnnouncement sign(SnapshotAnnouncement a, byte[] chainHead) {
            return a.signed(chainHead, sign(snapshotStatement(a.modelId, a.step, chainHead, a.sha256)));
        }
    }

    /** Verifies statements with one public key; not thread-safe. */
    public static final class Verifier {
        private final PublicKey key;
        private final Signature signature;

        public Verifier(PublicKey key) {
            this.key = key;
            try {
                signature = Signature.getInstance(ALGORITHM);
                signature.initVerify(key);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("not an " + ALGORITHM + " public key: " + e.getMessage(), e);
            }
        }

        /** Whether {@code sig} is a valid signature of {@code statement}; a malformed signature is simply invalid. */
        public boolean verifies(byte[] statement, byte[] sig) {
            if (sig == null || sig.length != SIGNATURE_BYTES) {
                return false;
            }
            try {
                signature.initVerify(key);
                signature.update(statement);
                return signature.verify(sig);
            } catch (SignatureException | InvalidKeyException e) {
                return false;
            }
        }

        public boolean verifies(LogSeal seal) {
            return seal.chainHead != null && seal.chainHead.length == LogChain.LINK_BYTES
                    && verifies(sealStatement(seal.modelId, seal.step, seal.chainHead), seal.signature);
        }

        /** Whether {@code a} carries a chain link and a valid signature of its statement. */
        public boolean verifies(SnapshotAnnouncement a) {
            return a.chainHead != null && a.chainHead.length == LogChain.LINK_BYTES
                    && verifies(snapshotStatement(a.modelId, a.step, a.chainHead, a.sha256), a.signature);
        }

        /** A short fingerprint of the key (first 8 bytes of the SHA-256 of its encoding, hex), for messages. */
        public String fingerprint() {
            return LogChain.hex(LogChain.sha256().digest(key.getEncoded())).substring(0, 16);
        }
    }

    /**
     * The Ed25519 private key in the PEM file {@code path} (PKCS#8).
     *
     * @throws InvalidConfigurationException naming {@code setting}, the file and what it should hold
     */
    public static PrivateKey readPrivateKey(String setting, Path path) {
        return readKey(setting, path, "PRIVATE KEY", der -> KeyFactory.getInstance(ALGORITHM)
                .generatePrivate(new PKCS8EncodedKeySpec(der)), "private key (PKCS#8 PEM, as `openssl genpkey "
                        + "-algorithm ed25519` writes)");
    }

    /**
     * The Ed25519 public key in the PEM file {@code path} (X.509 SubjectPublicKeyInfo).
     *
     * @throws InvalidConfigurationException naming {@code setting}, the file and what it should hold
     */
    public static PublicKey readPublicKey(String setting, Path path) {
        return readKey(setting, path, "PUBLIC KEY", der -> KeyFactory.getInstance(ALGORITHM)
                .generatePublic(new X509EncodedKeySpec(der)), "public key (PEM, as `openssl pkey -pubout` writes)");
    }

    private interface KeyDecoder<K> {
        K decode(byte[] der) throws GeneralSecurityException;
    }

    private static <K> K readKey(String setting, Path path, String label, KeyDecoder<K> decoder, String what) {
        byte[] der = pem(setting, path, label);
        try {
            return decoder.decode(der);
        } catch (GeneralSecurityException e) {
            throw new InvalidConfigurationException(setting, path, "not an " + ALGORITHM + " " + what + ": "
                    + e.getMessage());
        }
    }

    /** PEM text of a key's standard encoding (PKCS#8 for private keys, X.509 for public ones). */
    public static String pem(java.security.Key key) {
        String label = key instanceof PrivateKey ? "PRIVATE KEY" : "PUBLIC KEY";
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] pem(String setting, Path path, String label) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigurationException(setting, path, "a readable PEM file with a " + label + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new InvalidConfigurationException(setting, path, "a PEM file with a '" + begin + "' block");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(setting, path, "base64 between the PEM lines: " + e.getMessage());
        }
    }
}
