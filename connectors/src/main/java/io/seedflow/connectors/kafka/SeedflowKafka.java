package io.seedflow.connectors.kafka;

import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Factories for the streaming job's Kafka source and sinks. Both sinks are exactly-once (Kafka transactions committed
 * on checkpoint), so consumers of the updates and dead-letter topics must read with
 * {@code isolation.level=read_committed}.
 */
public final class SeedflowKafka {
    /**
     * Kafka transaction timeout of the sinks. Must not exceed the broker's {@code transaction.max.timeout.ms}
     * (default 15 min), or the producer fails at init and the job restarts forever; must exceed the longest
     * checkpoint interval plus restart time, or the broker aborts transactions Flink still means to commit.
     */
    public static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

    private SeedflowKafka() {
    }

    /**
     * Labeled events as {@link RawEvent}s (bytes plus topic/partition/offset), from the committed offsets of
     * {@code groupId} (earliest where there are none). Offsets are tracked in Flink checkpoints.
     *
     * @param bounded stop at the offsets that are latest when the job starts (tests, backfills), else run forever
     */
    public static KafkaSource<RawEvent> labeledEventsSource(String bootstrapServers, String topic, String groupId,
            boolean bounded) {
        return labeledEventsSource(bootstrapServers, topic, groupId, bounded,
                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
    }

    /**
     * Like {@link #labeledEventsSource(String, String, String, boolean)}, but a job started without state begins
     * where the models' logs in {@code history} say training stopped ({@link LogResumeOffsets}); a restored job goes on
     * from its checkpointed offsets.
     */
    public static KafkaSource<RawEvent> labeledEventsSource(String bootstrapServers, String topic, String groupId,
            boolean bounded, UpdatesTopicHistory history) {
        return labeledEventsSource(bootstrapServers, topic, groupId, bounded, new LogResumeOffsets(history));
    }

    private static KafkaSource<RawEvent> labeledEventsSource(String bootstrapServers, String topic, String groupId,
            boolean bounded, OffsetsInitializer start) {
        var builder = KafkaSource.<RawEvent>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId)
                .setStartingOffsets(start)
                .setDeserializer(new RawEventDeserializationSchema())
                // read only committed events if the producers are transactional
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /**
     * Update records in the Confluent wire format ({@code CompactModelUpdate}, format 4, or {@code ModelUpdate} with
     * {@link UpdateLogEncoding#FULL}), keyed by model id, exactly once, fenced against a second trainer of the same
     * models ({@link FencedUpdatesSink}).
     */
    public static FencedUpdatesSink updatesSink(String bootstrapServers, String topic,
            RegistryClientOptions registry, String transactionalIdPrefix, UpdateLogEncoding encoding) {
        UpdatesTopicSerializationSchema<UpdateRecord> schema = UpdatesTopicSerializationSchema.forUpdates(topic,
                registry, encoding);
        return new FencedUpdatesSink(exactlyOnce(bootstrapServers, schema, transactionalIdPrefix), schema,
                bootstrapServers, topic, RegistrySettings.toMap(registry));
    }

    /**
     * Snapshot announcements to the updates topic (the same union value schema as the update records), keyed by model
     * id, exactly once. A second sink on the same topic, with its own transactional ids: an announcement is written
     * after its snapshot is stored, so it commits with or after the record of its step, and replicas need no other
     * order between the two kinds.
     */
    public static KafkaSink<SnapshotAnnouncement> announcementsSink(String bootstrapServers, String topic,
            RegistryClientOptions registry, String transactionalIdPrefix, UpdateLogEncoding encoding) {
        return exactlyOnce(bootstrapServers, UpdatesTopicSerializationSchema.forAnnouncements(topic, registry,
                encoding), transactionalIdPrefix);
    }

    /**
     * A signed log's notices ({@link io.seedflow.core.snapshot.SnapshotAnnouncement}s and
     * {@link io.seedflow.core.log.LogSeal}s, from {@code LogSealer}) to the updates topic, exactly once; in place of
     * {@link #announcementsSink}.
     */
    public static KafkaSink<Object> noticesSink(String bootstrapServers, String topic, RegistryClientOptions registry,
            String transactionalIdPrefix) {
        return exactlyOnce(bootstrapServers, UpdatesTopicSerializationSchema.forNotices(topic, registry),
                transactionalIdPrefix);
    }

    /**
     * Dead letters (key = reason, value = original bytes, at most {@code maxOriginalBytes} of them, context in
     * headers; see {@link DeadLetterSerializationSchema}), exactly once. The producer's {@code max.request.size} is
     * raised where the limit needs it, so no dead letter is refused by the producer; the topic must accept
     * {@link DeadLetterSerializationSchema#producerMaxRequestSize} bytes (a default topic does for the default limit).
     */
    public static KafkaSink<DeadLetter> deadLetterSink(String bootstrapServers, String topic,
            String transactionalIdPrefix, int maxOriginalBytes) {
        DeadLetterSerializationSchema schema = new DeadLetterSerializationSchema(topic, maxOriginalBytes);
        Properties producer = producerConfig();
        producer.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Integer.toString(DeadLetterSerializationSchema.producerMaxRequestSize(maxOriginalBytes)));
        return exactlyOnce(bootstrapServers, schema, transactionalIdPrefix, producer);
    }

    private static <T> KafkaSink<T> exactlyOnce(String bootstrapServers, KafkaRecordSerializationSchema<T> serializer,
            String transactionalIdPrefix) {
        return exactlyOnce(bootstrapServers, serializer, transactionalIdPrefix, producerConfig());
    }

    private static <T> KafkaSink<T> exactlyOnce(String bootstrapServers, KafkaRecordSerializationSchema<T> serializer,
            String transactionalIdPrefix, Properties producerConfig) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setKafkaProducerConfig(producerConfig)
                .build();
    }

    private static Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(TRANSACTION_TIMEOUT.toMillis()));
        return p;
    }
}
