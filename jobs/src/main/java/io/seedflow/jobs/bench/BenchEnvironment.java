package io.seedflow.jobs.bench;

import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.jobs.embedded.EmbeddedKafkaBroker;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.schemas.LabeledEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What every streaming benchmark run shares: one in-JVM Kafka broker, one loopback schema registry, the events of a
 * {@link BenchData} in the Confluent wire format, and settings for the pipeline under test.
 */
final class BenchEnvironment implements AutoCloseable {
    static final String MODEL_ID = "bench-model";

    final EmbeddedKafkaBroker kafka;
    final EmbeddedSchemaRegistry registry;
    final ConfluentRegistryClient client;
    private final ConfluentAvroCodec<LabeledEvent> codec;
    private int runs;

    BenchEnvironment() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        registry = EmbeddedSchemaRegistry.start();
        client = ConfluentRegistryClient.create(registry.clientOptions(null));
        codec = ConfluentAvroCodec.forClass(LabeledEvent.class, client);
    }

    /** Fresh topics for one run: events, updates, dead letters. */
    record Topics(String events, String updates, String deadLetters) {
    }

    Topics newTopics(String name) throws Exception {
        runs++;
        Topics t = new Topics(name + runs + "-events", name + runs + "-updates", name + runs + "-dead-letters");
        kafka.createTopic(t.events(), 1);
        kafka.createTopic(t.updates(), 1);
        kafka.createTopic(t.deadLetters(), 1);
        return t;
    }

    /** The wire-format value of example {@code i} of {@code data} as a labeled event for {@code topic}. */
    byte[] encode(String topic, BenchData data, int i) {
        return codec.encode(ConfluentWireFormat.valueSubject(topic), data.event(i, MODEL_ID));
    }

    /** Produces examples 0..count-1 (cycling over the data set) as fast as the broker takes them. */
    void produceAll(String topic, BenchData data, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(p.send(record(topic, encode(topic, data, i % data.count()))));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
    }

    KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(kafka.producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    static ProducerRecord<byte[], byte[]> record(String topic, byte[] value) {
        return new ProducerRecord<>(topic, MODEL_ID.getBytes(StandardCharsets.UTF_8), value);
    }

    /** @param recipe the trainer settings under test (rates, head); batch, snapshots and waits are set here */
    StreamingSettings settings(Topics t, String spec, int batch, Path snapshots, Duration checkpointInterval,
            boolean bounded, Configuration recipe) {
        return settings(t, spec, batch, snapshots, checkpointInterval, bounded, recipe, null);
    }

    /** @param signingKey the key file that signs the log, or null for an unsigned one */
    StreamingSettings settings(Topics t, String spec, int batch, Path snapshots, Duration checkpointInterval,
            boolean bounded, Configuration recipe, Path signingKey) {
        Configuration trainer = new Configuration(recipe);
        trainer.set(ZoTrainerOptions.BATCH_SIZE, batch);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, 1000);
        trainer.set(ZoTrainerOptions.MAX_WAIT, Duration.ofSeconds(2));
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toUri().toString());
        return StreamingSettings.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registry.clientOptions(null))
                .eventsTopic(t.events()).updatesTopic(t.updates()).deadLetterTopic(t.deadLetters())
                .consumerGroup(t.events() + "-trainer").transactionalIdPrefix(t.events())
                .modelSpec(spec).trainer(trainer).checkpointInterval(checkpointInterval).bounded(bounded)
                .signingKey(signingKey == null ? null : signingKey.toString()).build();
    }

    @Override
    public void close() throws Exception {
        client.close();
        registry.close();
        kafka.close();
    }
}
