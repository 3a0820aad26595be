package io.seedflow.connectors.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every partition of a topic from its beginning, {@code read_committed}, without a consumer group or offset
 * commits: each {@link #readToEnd} call goes from where the previous one stopped up to the end the topic has when it
 * is called. Records of aborted transactions and transaction markers are never seen (their offsets are skipped).
 */
public final class TopicScan implements AutoCloseable {
    private final String topic;
    private final Duration pollTimeout;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();

    /**
     * @param properties further consumer settings (e.g. security), applied after the scan's own
     * @param metadataTimeout how long to wait for the topic's partitions; a topic that does not exist has none
     */
    public TopicScan(String bootstrapServers, String topic, String clientId, Map<String, String> properties,
            Duration pollTimeout, Duration metadataTimeout) {
        this.topic = topic;
        this.pollTimeout = pollTimeout;
        consumer = new KafkaConsumer<>(consumerProperties(bootstrapServers, clientId, properties),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, metadataTimeout);
            for (PartitionInfo i : infos == null ? List.<PartitionInfo>of() : infos) {
                partitions.add(new TopicPartition(topic, i.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /**
     * A consumer that reads committed records only, without a group, offset commits or creating a missing topic;
     * {@code properties} (e.g. security) applied last.
     */
    public static Properties consumerProperties(String bootstrapServers, String clientId,
            Map<String, String> properties) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // reading must not create a missing topic
        p.putAll(properties);
        return p;
    }

    public String topic() {
        return topic;
    }

    /** The topic's partitions, in partition order; none if the topic does not exist. */
    public List<TopicPartition> partitions() {
        return List.copyOf(partitions);
    }

    /** The first offset each partition still holds (after retention). */
    public Map<TopicPartition, Long> beginningOffsets() {
        return consumer.beginningOffsets(partitions);
    }

    /** Hands every committed record up to the topic's current end to {@code visitor}, in order per partition. */
    public long readToEnd(Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long n = 0;
        while (!reached(end)) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(pollTimeout)) {
                visitor.accept(r);
                n++;
            }
        }
        return n;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        return reached(consumer, end);
    }

    /** Whether {@code consumer}'s position is at or past {@code end} in every partition of it. */
    static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
