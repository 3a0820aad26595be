package io.seedflow.connectors.log;

import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SafetensorsFormat;
import java.time.Instant;

/** Converts between core's {@link SnapshotAnnouncement} and the Avro wire record of the same name, field for field. */
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
                .build();
    }

    public static SnapshotAnnouncement fromAvro(io.seedflow.schemas.SnapshotAnnouncement a) {
        return new SnapshotAnnouncement(a.getModelId(), a.getStep(), a.getUri(), a.getSha256(), a.getSizeBytes(),
                a.getWeightsSha256(), a.getCreatedMillis().toEpochMilli());
    }
}
