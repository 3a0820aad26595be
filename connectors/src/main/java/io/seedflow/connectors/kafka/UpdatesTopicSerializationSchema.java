package io.seedflow.connectors.kafka;

import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Objects;
import java.util.function.Function;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes entries of a model's log ({@link UpdateRecord}s or {@link SnapshotAnnouncement}s) to the updates topic in
 * the Confluent wire format with the topic's union schema ({@link UpdatesTopic}), subject {@code <topic>-value}. The
 * key is the model id, so all entries of one model land in one partition, in order. Flink never closes a record
 * serializer, so the registry client is shared per settings ({@code RegistrySettings#sharedClient}). Records are
 * written in format 4 ({@link UpdateLogEncoding#COMPACT}) unless {@link UpdateLogEncoding#FULL} is asked for; one
 * instance writes the entries of its subtask in order, which is what the compact encoding's inline contexts need.
 *
 * @param <T> {@link UpdateRecord} or {@link SnapshotAnnouncement}
 */
public final class UpdatesTopicSerializationSchema<T> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final HashMap<String, String> registry;
    private final SerializableModelId<T> modelId;
    private final UpdateLogEncoding encoding;

    private transient UpdatesTopic.Writer writer;
    private transient String subject;
    private transient byte[] writerId;

    /** The model id of an entry; serializable because the schema is shipped to the task managers. */
    public interface SerializableModelId<T> extends Function<T, String>, java.io.Serializable {
    }

    private UpdatesTopicSerializationSchema(String topic, RegistryClientOptions registry,
            SerializableModelId<T> modelId, UpdateLogEncoding encoding) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.registry = RegistrySettings.toMap(registry);
        this.modelId = modelId;
        this.encoding = Objects.requireNonNull(encoding, "encoding");
    }

    public static UpdatesTopicSerializationSchema<UpdateRecord> forUpdates(String topic,
            RegistryClientOptions registry, UpdateLogEncoding encoding) {
        return new UpdatesTopicSerializationSchema<>(topic, registry, UpdateRecord::modelId, encoding);
    }

    /** Announcements; {@code encoding} picks the union schema registered, the same as the topic's update records. */
    public static UpdatesTopicSerializationSchema<SnapshotAnnouncement> forAnnouncements(String topic,
            RegistryClientOptions registry, UpdateLogEncoding encoding) {
        return new UpdatesTopicSerializationSchema<>(topic, registry, a -> a.modelId, encoding);
    }

    /**
     * Snapshot announcements and log seals (docs/update-log-spec.md §10), as a signed log's sealer emits them; the
     * compact encoding's union.
     */
    public static UpdatesTopicSerializationSchema<Object> forNotices(String topic, RegistryClientOptions registry) {
        return new UpdatesTopicSerializationSchema<>(topic, registry,
                n -> n instanceof LogSeal s ? s.modelId : ((SnapshotAnnouncement) n).modelId, UpdateLogEncoding.COMPACT);
    }

    /**
     * Puts {@code id} (the writing job) on every value, in the {@link LogWriterFence#WRITER_HEADER} header, so that the
     * writer's fence knows its own values; set by {@link FencedUpdatesSink} before the writer opens.
     */
    void writerId(String id) {
        writerId = id.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        writer = new UpdatesTopic.Writer(RegistrySettings.sharedClient(registry), encoding);
        subject = ConfluentWireFormat.valueSubject(topic);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T entry, KafkaSinkContext context, Long timestamp) {
        byte[] value = writer.write(subject, entry);
        // no Flink timestamp: the trainer emits from timers, whose timestamps (up to Long.MAX_VALUE for the end of
        // a bounded input) are not times; Kafka stamps the record when it is produced
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, null,
                modelId.apply(entry).getBytes(StandardCharsets.UTF_8), value);
        if (writerId != null) {
            record.headers().add(LogWriterFence.WRITER_HEADER, writerId);
        }
        return record;
    }
}
