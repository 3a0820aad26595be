package io.seedflow.core.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chain over a model's update log (docs/update-log-spec.md §10): every link is 32 bytes, the SHA-256 of the
 * link before it and the record's canonical bytes, so the link at step {@code n} commits to every record up to
 * {@code n} in order. A chain starts at a <em>root</em> bound to the model, a step and the snapshot the log goes on
 * from. The canonical bytes of a record are computed where the Avro encoding lives (connectors'
 * {@code UpdateRecordCodec.canonicalBytes}); this class only hashes.
 */
public final class LogChain {
    /** Bytes of a link. */
    public static final int LINK_BYTES = 32;
    private static final byte[] ROOT_DOMAIN = "seedflow-log-chain-root-v1".getBytes(StandardCharsets.US_ASCII);

    private LogChain() {
    }

    /**
     * The root of a chain that starts after version {@code step} of {@code modelId}, held by snapshot
     * {@code snapshotId}: SHA-256 of {@code "seedflow-log-chain-root-v1" 0x00 modelId 0x00 step(8 bytes, big-endian)
     * snapshotId} (strings UTF-8).
     */
    public static byte[] root(String modelId, long step, String snapshotId) {
        MessageDigest sha = sha256();
        sha.update(ROOT_DOMAIN);
        sha.update((byte) 0);
        sha.update(modelId.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(step).array());
        sha.update(snapshotId.getBytes(StandardCharsets.UTF_8));
        return sha.digest();
    }

    /** The link after {@code previous} for a record with these canonical bytes: SHA-256(previous || canonical). */
    public static byte[] next(byte[] previous, byte[] canonicalRecord) {
        requireLink(previous, "previous link");
        MessageDigest sha = sha256();
        sha.update(previous);
        sha.update(canonicalRecord);
        return sha.digest();
    }

    /** Refuses anything but a 32-byte link, naming {@code what}. */
    public static byte[] requireLink(byte[] link, String what) {
        if (link == null || link.length != LINK_BYTES) {
            throw new IllegalArgumentException(what + ": expected " + LINK_BYTES + " bytes, got "
                    + (link == null ? "none" : link.length));
        }
        return link;
    }

    /** Lowercase hex of a link, for messages. */
    public static String hex(byte[] link) {
        return link == null ? "none" : HexFormat.of().formatHex(link);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
