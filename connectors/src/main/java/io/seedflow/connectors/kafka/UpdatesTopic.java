package io.seedflow.connectors.kafka;

import io.seedflow.connectors.log.SnapshotAnnouncementCodec;
import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.schemas.ModelUpdate;
import org.apache.avro.specific.SpecificRecord;

/**
 * The value format of the updates topic: each value is one entry of a model's log, either a {@code ModelUpdate} or a
 * {@code SnapshotAnnouncement}. The subject {@code <topic>-value} holds one schema, the Avro union of the two
 * (docs/update-log-spec.md §6), so a Confluent registry with its default compatibility accepts it and any
 * Confluent-aware consumer decodes both kinds.
 */
public final class UpdatesTopic {
    private UpdatesTopic() {
    }

    /** The codec of the updates topic's values. */
    public static ConfluentAvroCodec<SpecificRecord> codec(SchemaRegistry registry) {
        return ConfluentAvroCodec.forUnion(registry, ModelUpdate.class,
                io.seedflow.schemas.SnapshotAnnouncement.class);
    }

    /** One decoded entry: exactly one of the two is non-null. */
    public record Entry(UpdateRecord update, SnapshotAnnouncement announcement) {
        public String modelId() {
            return update != null ? update.modelId() : announcement.modelId;
        }
    }

    /** Decodes one value of the updates topic; a value of another type is a {@link WireFormatException}. */
    public static Entry decode(ConfluentAvroCodec<SpecificRecord> codec, byte[] value) {
        SpecificRecord r = codec.decode(value);
        if (r instanceof ModelUpdate m) {
            return new Entry(UpdateRecordCodec.fromAvro(m), null);
        }
        if (r instanceof io.seedflow.schemas.SnapshotAnnouncement a) {
            return new Entry(null, SnapshotAnnouncementCodec.fromAvro(a));
        }
        throw new WireFormatException(WireFormatException.Reason.INCOMPATIBLE_SCHEMA,
                "updates topic value decoded as " + r.getClass().getName()
                        + "; expected ModelUpdate or SnapshotAnnouncement");
    }

    static SpecificRecord toAvro(Object entry) {
        if (entry instanceof UpdateRecord u) {
            return UpdateRecordCodec.toAvro(u);
        }
        if (entry instanceof SnapshotAnnouncement a) {
            return SnapshotAnnouncementCodec.toAvro(a);
        }
        throw new IllegalArgumentException("updates topic entry: expected an UpdateRecord or a SnapshotAnnouncement, "
                + "got " + (entry == null ? "null" : entry.getClass().getName()));
    }
}
