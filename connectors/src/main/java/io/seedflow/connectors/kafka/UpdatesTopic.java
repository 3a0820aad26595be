package io.seedflow.connectors.kafka;

import io.seedflow.connectors.log.CompactUpdateDecoder;
import io.seedflow.connectors.log.CompactUpdateEncoder;
import io.seedflow.connectors.log.ModelRollbackCodec;
import io.seedflow.connectors.log.SnapshotAnnouncementCodec;
import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.core.error.UnknownLogContextException;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogStep;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.ModelUpdate;
import org.apache.avro.specific.SpecificRecord;

/**
 * The value format of the updates topic: each value is one entry of a model's log, a {@code ModelUpdate} (formats 1
 * to 3), a {@code CompactModelUpdate} (format 4) or a {@code SnapshotAnnouncement}. The subject {@code <topic>-value}
 * holds the Avro union of the kinds (docs/update-log-spec.md §7.2): {@code [ModelUpdate, SnapshotAnnouncement]} as
 * written with {@link UpdateLogEncoding#FULL}, so that replicas older than format 4 still read such a topic, and
 * {@code [ModelUpdate, SnapshotAnnouncement, CompactModelUpdate, LogSeal, ModelRollback]} as written with
 * {@link UpdateLogEncoding#COMPACT} (a seal only where the log is signed, docs/update-log-spec.md §10; a rollback only
 * where an operator wrote one, §11);
 * readers use the latter, which reads both. A Confluent registry with its default (backward) compatibility accepts
 * the change.
 */
public final class UpdatesTopic {
    private UpdatesTopic() {
    }

    /** The codec that reads every value of the updates topic (and writes compact topics). */
    public static ConfluentAvroCodec<SpecificRecord> codec(SchemaRegistry registry) {
        return codec(registry, UpdateLogEncoding.COMPACT);
    }

    /** The codec whose union the writer of a topic with this encoding registers. */
    public static ConfluentAvroCodec<SpecificRecord> codec(SchemaRegistry registry, UpdateLogEncoding encoding) {
        if (encoding == UpdateLogEncoding.FULL) {
            return ConfluentAvroCodec.forUnion(registry, ModelUpdate.class,
                    io.seedflow.schemas.SnapshotAnnouncement.class);
        }
        return ConfluentAvroCodec.forUnion(registry, ModelUpdate.class, io.seedflow.schemas.SnapshotAnnouncement.class,
                CompactModelUpdate.class, io.seedflow.schemas.LogSeal.class, io.seedflow.schemas.ModelRollback.class);
    }

    /** One decoded entry: exactly one of the four is non-null. */
    public record Entry(UpdateRecord update, SnapshotAnnouncement announcement, LogSeal seal, ModelRollback rollback) {
        public static Entry of(UpdateRecord update) {
            return new Entry(update, null, null, null);
        }

        public static Entry of(SnapshotAnnouncement announcement) {
            return new Entry(null, announcement, null, null);
        }

        public static Entry of(LogSeal seal) {
            return new Entry(null, null, seal, null);
        }

        public static Entry of(ModelRollback rollback) {
            return new Entry(null, null, null, rollback);
        }

        public String modelId() {
            return update != null ? update.modelId() : announcement != null ? announcement.modelId
                    : seal != null ? seal.modelId : rollback.modelId();
        }

        /** The step of the log this entry is (a record or a rollback), else null. */
        public LogStep step() {
            return update != null ? update : rollback;
        }
    }

    /**
     * Decodes the values of one updates topic in topic order. Compact records are resolved in the log contexts that
     * earlier values carried (spec §4.1), so one reader must see the values in order. Not thread-safe.
     */
    public static final class Reader {
        private final ConfluentAvroCodec<SpecificRecord> codec;
        private final CompactUpdateDecoder compact = new CompactUpdateDecoder();

        public Reader(SchemaRegistry registry) {
            this.codec = codec(registry);
        }

        /**
         * Decodes one value.
         *
         * @throws WireFormatException if the value is not one of the topic's kinds (or is malformed, truncated)
         * @throws UnknownLogContextException if it is a compact record whose context no earlier value defined
         */
        public Entry read(byte[] value) {
            SpecificRecord r = codec.decode(value);
            if (r instanceof CompactModelUpdate c) {
                return Entry.of(compact.decode(c));
            }
            if (r instanceof ModelUpdate m) {
                return Entry.of(UpdateRecordCodec.fromAvro(m));
            }
            if (r instanceof io.seedflow.schemas.SnapshotAnnouncement a) {
                return Entry.of(SnapshotAnnouncementCodec.fromAvro(a));
            }
            if (r instanceof io.seedflow.schemas.LogSeal s) {
                return Entry.of(SnapshotAnnouncementCodec.fromAvro(s));
            }
            if (r instanceof io.seedflow.schemas.ModelRollback b) {
                return Entry.of(ModelRollbackCodec.fromAvro(b));
            }
            throw new WireFormatException(WireFormatException.Reason.INCOMPATIBLE_SCHEMA,
                    "updates topic value decoded as " + r.getClass().getName() + "; expected ModelUpdate, "
                            + "CompactModelUpdate, SnapshotAnnouncement, LogSeal or ModelRollback");
        }
    }

    /**
     * Encodes the entries one writer puts on the topic, in the order it writes them (compact records decide from the
     * previous ones which carries its context inline). Not thread-safe.
     */
    public static final class Writer {
        private final ConfluentAvroCodec<SpecificRecord> codec;
        private final CompactUpdateEncoder compact;

        public Writer(SchemaRegistry registry, UpdateLogEncoding encoding) {
            this.codec = codec(registry, encoding);
            this.compact = encoding == UpdateLogEncoding.COMPACT ? new CompactUpdateEncoder() : null;
        }

        /** The wire bytes of {@code entry} (an {@link UpdateRecord} or a {@link SnapshotAnnouncement}). */
        public byte[] write(String subject, Object entry) {
            return codec.encode(subject, toAvro(entry));
        }

        private SpecificRecord toAvro(Object entry) {
            if (entry instanceof UpdateRecord u) {
                return compact != null ? compact.encode(u) : UpdateRecordCodec.toAvro(u);
            }
            if (entry instanceof SnapshotAnnouncement a) {
                return SnapshotAnnouncementCodec.toAvro(a);
            }
            if (entry instanceof LogSeal || entry instanceof ModelRollback) {
                if (compact == null) {
                    throw new IllegalArgumentException("a log seal or rollback needs the compact encoding's union "
                            + "(format 4); this writer writes " + UpdateLogEncoding.FULL);
                }
                return entry instanceof LogSeal s ? SnapshotAnnouncementCodec.toAvro(s)
                        : ModelRollbackCodec.toAvro((ModelRollback) entry);
            }
            throw new IllegalArgumentException("updates topic entry: expected an UpdateRecord, a SnapshotAnnouncement, "
                    + "a LogSeal or a ModelRollback, got " + (entry == null ? "null" : entry.getClass().getName()));
        }
    }
}
