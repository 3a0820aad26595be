package io.seedflow.jobs.embedded;

import io.seedflow.connectors.kafka.RegistryAvroDeserializer;
import io.seedflow.connectors.kafka.RegistryAvroSerializer;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.schemas.LabeledEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A holdout set kept on a Kafka topic: {@link #produce} writes examples of a data set (the demo: the first 2,000
 * images of Fashion-MNIST's test split) as {@link LabeledEvent}s in the Confluent wire format, and an evaluating
 * replica {@link #read}s them back into a {@link LabeledDataset}, so it needs no local copy of the data.
 */
public final class HoldoutTopic {
    private HoldoutTopic() {
    }

    /** Sends the first {@code count} examples of {@code data} to {@code topic} and waits for the broker's acks. */
    public static void produce(String bootstrapServers, RegistryClientOptions registry, String topic,
            String modelId, LabeledDataset data, int count) {
        if (count < 1 || count > data.count()) {
            throw new IllegalArgumentException("holdout size: expected 1.." + data.count() + " (the examples in "
                    + data.name() + "), got " + count);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        try (ConfluentRegistryClient client = ConfluentRegistryClient.create(registry);
                KafkaProducer<String, LabeledEvent> producer = new KafkaProducer<>(props, new StringSerializer(),
                        RegistryAvroSerializer.forClass(LabeledEvent.class, client))) {
            Instant now = Instant.now();
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, modelId, LabeledExamples.event(data, i, modelId, 0, now)));
            }
            producer.flush();
        }
    }

    /**
     * Every event on {@code topic} up to its end as of this call, as a data set of {@code featureCount} features
     * and {@code classes} classes.
     *
     * @throws IllegalStateException if an event does not fit that shape, or the end is not reached in time
     */
    public static LabeledDataset read(String bootstrapServers, RegistryClientOptions registry, String topic,
            int featureCount, int classes, Duration timeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<float[]> features = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (ConfluentRegistryClient client = ConfluentRegistryClient.create(registry);
                KafkaConsumer<byte[], LabeledEvent> consumer = new KafkaConsumer<>(props,
                        new ByteArrayDeserializer(), RegistryAvroDeserializer.forClass(LabeledEvent.class, client))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("holdout topic '" + topic + "': read " + labels.size()
                            + " events but did not reach the end offsets " + end + " within " + timeout);
                }
                for (ConsumerRecord<byte[], LabeledEvent> r : consumer.poll(Duration.ofMillis(200))) {
                    features.add(checked(r, featureCount, classes));
                    labels.add(r.value().getLabel());
                }
            }
        }
        float[] x = new float[features.size() * featureCount];
        int[] y = new int[labels.size()];
        for (int i = 0; i < y.length; i++) {
            System.arraycopy(features.get(i), 0, x, i * featureCount, featureCount);
            y[i] = labels.get(i);
        }
        return new LabeledDataset(topic, x, y, y.length, featureCount, classes);
    }

    private static float[] checked(ConsumerRecord<byte[], LabeledEvent> r, int featureCount, int classes) {
        LabeledEvent e = r.value();
        List<Float> v = e == null ? null : e.getDenseFeatures();
        if (v == null || v.size() != featureCount || e.getLabel() < 0 || e.getLabel() >= classes) {
            throw new IllegalStateException("holdout event at " + r.topic() + "/" + r.partition() + "@" + r.offset()
                    + ": expected " + featureCount + " features and a label in [0, " + classes + "), got "
                    + (v == null ? "no features" : v.size() + " features") + " and label "
                    + (e == null ? "none" : e.getLabel()));
        }
        float[] f = new float[featureCount];
        for (int i = 0; i < featureCount; i++) {
            f[i] = v.get(i);
        }
        return f;
    }
}
