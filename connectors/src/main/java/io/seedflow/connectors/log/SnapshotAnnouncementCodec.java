package io.seedflow.connectors.log;

import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Converts between core's {@link SnapshotAnnouncement} and {@link LogSeal} and the Avro wire records of the same names,
 * field for field.
 */
public final class SnapshotAnnouncementCodec {
    private SnapshotAnnouncementCodec() {
    }

    public static io.seedflow.schemas.SnapshotAnnouncement toAvro(SnapshotAnnouncement a) {
        return io.seedflow.schemas.SnapshotAnnouncement.newBuilder()
                .setFormatVersion(SafetensorsFormat.FORMAT_VERSION)
                .setModelId(a.modelId)
                .setStep(a.step)
                .setUri(a.uri)
                .setSha256(a.sha256)
                .setSizeBytes(a.sizeBytes)
                .setWeightsSha256(a.weightsSha256)
                .setCreatedMillis(Instant.ofEpochMilli(a.createdMillis))
                .setChainHead(a.chainHead == null ? null : ByteBuffer.wrap(a.chainHead.clone()))
                .setSignature(a.signature == null ? null : ByteBuffer.wrap(a.signature.clone()))
                .build();
    }

    public static io.seedflow.schemas.LogSeal toAvro(LogSeal s) {
        return new io.seedflow.schemas.LogSeal(s.modelId, s.step, ByteBuffer.wrap(s.chainHead.clone()),
                ByteBuffer.wrap(s.signature.clone()));
    }

    /** The seal as read; a chain head that is not 32 bytes is refused ({@link InvalidUpdateRecordException}). */
    public static LogSeal fromAvro(io.seedflow.schemas.LogSeal s) {
        byte[] head = bytes(s.getChainHead());
        if (head.length != LogChain.LINK_BYTES) {
            throw new InvalidUpdateRecordException("seal of model '" + s.getModelId() + "' at step " + s.getStep()
                    + ": chain head of " + head.length + " bytes; expected " + LogChain.LINK_BYTES);
        }
        return new LogSeal(s.getModelId().toString(), s.getStep(), head, bytes(s.getSignature()));
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    public static SnapshotAnnouncement fromAvro(io.seedflow.schemas.SnapshotAnnouncement a) {
        SnapshotAnnouncement out = new SnapshotAnnouncement(a.getModelId(), a.getStep(), a.getUri(), a.getSha256(),
                a.getSizeBytes(), a.getWeightsSha256(), a.getCreatedMillis().toEpochMilli());
        out.chainHead = bytes(a.getChainHead());
        out.signature = bytes(a.getSignature());
        return out;
    }
}
