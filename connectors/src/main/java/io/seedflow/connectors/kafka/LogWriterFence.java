package io.seedflow.connectors.kafka;

import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.error.ForkedLogException;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.ModelRollback;
import io.seedflow.schemas.ModelUpdate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences two trainers that write one model's log at once (docs/update-log-spec.md §7.4). One per writer of the
 * updates topic: from the topic's last stable offset when the writer starts, it reads what every writer appends
 * ({@code read_uncommitted}, so that the other writer's steps count while they are still pending; a second,
 * {@code read_committed} reader tells which of the values below the last stable offset were aborted, and those do not
 * count), knows its own values by the {@link #WRITER_HEADER} header its writer puts on them, and applies the
 * {@link FenceRule}. {@link #check} runs after the writer's own values of a checkpoint were acknowledged and before
 * they commit: the writer that must stop stops before its transaction commits. Not thread-safe (the sink writer's
 * thread).
 */
public final class LogWriterFence implements AutoCloseable {
    /** The Kafka header that names the job that wrote an update record (not part of the record, spec §7.4). */
    public static final String WRITER_HEADER = "seedflow-writer";
    private static final Logger LOG = LoggerFactory.getLogger(LogWriterFence.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final String topic;
    private final String writerId;
    private final Duration readTimeout;
    private final ConfluentAvroCodec<SpecificRecord> codec;
    private final KafkaConsumer<byte[], byte[]> all;
    private final KafkaConsumer<byte[], byte[]> committed;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Map<TopicPartition, TreeSet<Long>> committedOffsets = new HashMap<>();
    private final FenceRule rule = new FenceRule();
    private long undecodable;

    /**
     * Starts reading at the topic's last stable offset: every value before it is decided, and the trainer, which
     * reads the model's committed log after this, continues after the committed ones.
     */
    public LogWriterFence(String bootstrapServers, String topic, RegistryClientOptions registry, String writerId,
            Duration readTimeout) {
        this(bootstrapServers, topic, RegistrySettings.toMap(registry), writerId, readTimeout);
    }

    LogWriterFence(String bootstrapServers, String topic, Map<String, String> registry, String writerId,
            Duration readTimeout) {
        this.topic = topic;
        this.writerId = writerId;
        this.readTimeout = readTimeout;
        this.codec = UpdatesTopic.codec(RegistrySettings.sharedClient(registry));
        all = consumer(bootstrapServers, "read_uncommitted");
        committed = consumer(bootstrapServers, "read_committed");
        try {
            List<PartitionInfo> infos = committed.partitionsFor(topic, readTimeout);
            for (PartitionInfo p : infos == null ? List.<PartitionInfo>of() : infos) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            if (partitions.isEmpty()) {
                LOG.warn("topic {} does not exist yet: writers of its models are not fenced until it does", topic);
            }
            all.assign(partitions);
            committed.assign(partitions);
            Map<TopicPartition, Long> stable = committed.endOffsets(partitions, readTimeout);
            stable.forEach((tp, offset) -> {
                all.seek(tp, offset);
                committed.seek(tp, offset);
                committedOffsets.put(tp, new TreeSet<>());
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers, String isolation) {
        Properties p = TopicScan.consumerProperties(bootstrapServers, "seedflow-writer-fence", Map.of());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** This writer writes step {@code step} of {@code modelId}. */
    public void wrote(String modelId, long step) {
        rule.wrote(modelId, step);
    }

    /**
     * Reads what was appended since the last call, up to the topic's current end, and applies the rule.
     *
     * @throws ForkedLogException if another writer of one of this writer's models came first
     */
    public void check() {
        List<ConsumerRecord<byte[], byte[]>> appended = new ArrayList<>();
        readTo(all, all.endOffsets(partitions, readTimeout), appended::add);
        Map<TopicPartition, Long> stable = committed.endOffsets(partitions, readTimeout);
        readTo(committed, stable, r -> committedOffsets.get(new TopicPartition(r.topic(), r.partition()))
                .add(r.offset()));
        for (ConsumerRecord<byte[], byte[]> r : appended) { // in offset order per partition
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            TreeSet<Long> decided = committedOffsets.get(tp);
            boolean aborted = r.offset() < stable.get(tp) && !decided.contains(r.offset());
            decided.headSet(r.offset(), true).clear();
            if (!aborted) {
                seen(r);
            }
        }
        rule.requireGoOn();
    }

    private void seen(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null || r.value() == null) {
            return;
        }
        SpecificRecord value;
        try {
            value = codec.decode(r.value());
        } catch (RuntimeException e) {
            if (undecodable++ == 0) {
                LOG.warn("{}/{}@{}: not an entry of the updates topic, passed over by the writer fence: {}", topic,
                        r.partition(), r.offset(), e.getMessage());
            }
            return;
        }
        long step;
        if (value instanceof CompactModelUpdate c) {
            step = c.getStep();
        } else if (value instanceof ModelUpdate m) {
            step = m.getStep();
        } else if (value instanceof ModelRollback b) {
            step = b.getStep();
        } else {
            return; // announcements and seals come with the steps they name
        }
        Header h = r.headers().lastHeader(WRITER_HEADER);
        String writer = h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        rule.seen(new FenceRule.Value(topic + "/" + r.partition(), r.offset(),
                new String(r.key(), StandardCharsets.UTF_8), step, value instanceof ModelRollback,
                writerId.equals(writer), writer));
    }

    private void readTo(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        long deadline = System.nanoTime() + readTimeout.toNanos();
        while (!TopicScan.reached(consumer, end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the writer fence could not read topic " + topic + " up to " + end
                        + " within " + readTimeout);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                visitor.accept(r);
            }
        }
    }

    @Override
    public void close() {
        all.close();
        committed.close();
    }
}
