package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.RegistryAvroSerializer;
import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.jobs.embedded.EmbeddedKafkaBroker;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.schemas.ModelUpdate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Small helpers shared by the end-to-end streaming tests ({@link StreamingPipelineITCase}, {@link FailureRecoveryITCase}). */
final class StreamingItSupport {
    private StreamingItSupport() {
    }

    /**
     * Runs a bounded job to its end, at most {@code seconds}; past that it cancels the job and fails (a job restarting
     * forever must fail the test, not hang the build).
     */
    static void runToEnd(StreamExecutionEnvironment env, String name, int seconds) throws Exception {
        JobClient job = env.executeAsync(name);
        try {
            job.getJobExecutionResult().get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            job.cancel().get(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * A MiniCluster configuration for failure tests: a failed job restarts from its last checkpoint (fixed delay of
     * 100 ms, at most {@code attempts} times) and the network buffers are 4 KiB, so that aligned checkpoints cut a
     * small stream mid-way instead of waiting behind all of it.
     */
    static Configuration restartingCluster(int attempts) {
        Configuration cluster = new Configuration();
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, attempts);
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        cluster.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, MemorySize.parse("4kb"));
        return cluster;
    }

    /** A labeled event with a class-dependent mean, so that there is something to learn. */
    static LabeledEvent event(Random random, String modelId, int label, int features, int classes) {
        List<Float> x = new ArrayList<>(features);
        for (int i = 0; i < features; i++) {
            x.add((float) (random.nextGaussian() * 0.5 + (i % classes == label ? 1.0 : 0.0)));
        }
        return LabeledEvent.newBuilder().setEventId("e-" + random.nextInt(1 << 30)).setEventTime(Instant.EPOCH)
                .setModelId(modelId).setLabel(label).setDenseFeatures(x).build();
    }

    /** {@code n} labeled events of {@code modelId} ({@link #event}) to {@code topic}, keyed by the model id. */
    static void produceEvents(EmbeddedKafkaBroker kafka, SchemaRegistry registry, String topic, String modelId,
            Random random, int n, int features, int classes) throws Exception {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        String subject = ConfluentWireFormat.valueSubject(topic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, modelId.getBytes(StandardCharsets.UTF_8), codec.encode(
                        subject, event(random, modelId, random.nextInt(classes), features, classes)))).get();
            }
        }
    }

    /** Every committed record of partition 0 of {@code topic}, up to its last stable offset. */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(EmbeddedKafkaBroker kafka, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.readCommittedConsumerProperties(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (consumer.position(tp) < end) {
                assertThat(System.nanoTime()).as("reading %s up to offset %d", topic, end).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Every committed entry of the updates topic (update records and snapshot announcements), in offset order. */
    static List<UpdatesTopic.Entry> readUpdatesTopic(EmbeddedKafkaBroker kafka, SchemaRegistry registry, String topic) {
        UpdatesTopic.Reader reader = new UpdatesTopic.Reader(registry);
        return readCommitted(kafka, topic).stream().map(r -> reader.read(r.value())).toList();
    }

    /** The update records among {@code entries}. */
    static List<UpdateRecord> updateRecords(List<UpdatesTopic.Entry> entries) {
        return entries.stream().filter(e -> e.update() != null).map(UpdatesTopic.Entry::update).toList();
    }

    /** The snapshot announcements among {@code entries}. */
    static List<SnapshotAnnouncement> announcements(List<UpdatesTopic.Entry> entries) {
        return entries.stream().filter(e -> e.announcement() != null).map(UpdatesTopic.Entry::announcement).toList();
    }

    /** Weights SHA-256 of the trainer's own snapshot of {@code step} in the snapshot store. */
    static String trainerSnapshotAt(Path snapshots, long step) throws Exception {
        try (Stream<Path> files = Files.list(snapshots)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                    .map(f -> SnapshotStore.read(f, null))
                    .filter(s -> s.step() == step)
                    .map(s -> s.parameters().weightsSha256())
                    .findFirst().orElseThrow(() -> new AssertionError("no snapshot of step " + step + " in "
                            + snapshots));
        }
    }

    /** Writes {@code records} to {@code topic} in one Kafka transaction, as the trainer's updates sink does. */
    static void publishInOneTransaction(EmbeddedKafkaBroker kafka, SchemaRegistry registry, String topic,
            List<UpdateRecord> records) throws Exception {
        try (KafkaProducer<String, ModelUpdate> producer = new KafkaProducer<>(
                kafka.transactionalProducerProperties("tx-" + topic), new StringSerializer(),
                RegistryAvroSerializer.forClass(ModelUpdate.class, registry))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (UpdateRecord r : records) {
                producer.send(new ProducerRecord<>(topic, r.modelId(), UpdateRecordCodec.toAvro(r)));
            }
            producer.commitTransaction();
        }
    }
}
