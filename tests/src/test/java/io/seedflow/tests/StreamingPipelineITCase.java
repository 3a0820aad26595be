package io.seedflow.tests;

import static io.seedflow.tests.StreamingItSupport.readCommitted;
import static io.seedflow.tests.StreamingItSupport.trainerSnapshotAt;
import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.DeadLetterSerializationSchema;
import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole streaming job on a Flink MiniCluster against a real in-JVM Kafka broker and the embedded schema
 * registry: 300 valid labeled events with five poison records among them go in; the updates topic (read_committed)
 * must hold contiguous steps whose lineage covers every valid offset exactly once, every poison record must be on
 * the dead-letter topic with its reason and original bytes, and a replica following the log from the base snapshot
 * must reach the trainer's own snapshot of the last step bit for bit. The trainer runs with a magnitude mask and
 * subspace denoising of the head, so the log is format 2 (masks and corrections travel through the registry).
 */
class StreamingPipelineITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "it-model";
    private static final int FEATURES = 16;
    private static final int CLASSES = 3;
    private static final int VALID = 300;
    private static final int BATCH = 10;
    private static final String EVENTS = "events";
    private static final String UPDATES = "updates";
    private static final String DEAD_LETTERS = "dead-letters";
    private static final String HOLDOUT = "holdout";
    private static final int HOLDOUT_EVENTS = 40;
    private static final int SNAPSHOT_INTERVAL = 10;



    @Test
    void trainsOnEveryValidEventOnceAndDeadLettersEachPoisonRecord(@TempDir Path snapshots) throws Exception {
        for (String topic : List.of(EVENTS, UPDATES, DEAD_LETTERS, HOLDOUT)) {
            kafka.createTopic(topic, 1);
        }
        Map<Long, String> poisonReasonByOffset = produceEvents();
        produceHoldout();

        StreamingSettings settings = StreamingSettings.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null))
                .eventsTopic(EVENTS).updatesTopic(UPDATES).deadLetterTopic(DEAD_LETTERS).holdoutTopic(HOLDOUT)
                .consumerGroup("it-trainer").transactionalIdPrefix("it-streaming")
                .modelSpec("mlp:16x8x3:relu")
                .trainer(trainerSettings(snapshots))
                .checkpointInterval(Duration.ofMillis(200))
                .bounded(true)
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(1);
        StreamingPipeline.build(env, settings);
        StreamingItSupport.runToEnd(env, "streaming-pipeline-it", 60);

        List<UpdatesTopic.Entry> entries = StreamingItSupport.readUpdatesTopic(kafka, registry, UPDATES);
        List<UpdateRecord> updates = StreamingItSupport.updateRecords(entries);
        List<ConsumerRecord<byte[], byte[]>> deadLetters = readCommitted(kafka, DEAD_LETTERS);

        // contiguous steps 1..N, one model
        assertThat(updates).hasSize(VALID / BATCH);
        for (int i = 0; i < updates.size(); i++) {
            assertThat(updates.get(i).step()).isEqualTo(i + 1);
            assertThat(updates.get(i).modelId()).isEqualTo(MODEL);
        }

        // the lineage covers every valid offset exactly once
        Map<Long, Integer> trainedCount = new TreeMap<>();
        for (UpdateRecord u : updates) {
            for (Lineage l : u.lineage()) {
                assertThat(l.source()).isEqualTo(EVENTS);
                assertThat(l.partition()).isZero();
                for (long o = l.fromOffset(); o < l.untilOffset(); o++) {
                    if (!poisonReasonByOffset.containsKey(o)) {
                        trainedCount.merge(o, 1, Integer::sum);
                    }
                }
            }
            assertThat(u.eventCount()).isEqualTo(BATCH);
        }
        long produced = VALID + poisonReasonByOffset.size();
        for (long o = 0; o < produced; o++) {
            if (!poisonReasonByOffset.containsKey(o)) {
                assertThat(trainedCount.get(o)).as("times offset %d was trained on", o).isEqualTo(1);
            }
        }

        // trained + dead-lettered = produced; each poison record with its reason and original bytes
        long trained = updates.stream().mapToLong(UpdateRecord::eventCount).sum();
        assertThat(trained + deadLetters.size()).isEqualTo(produced);
        Map<Long, String> deadLetteredReasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            assertThat(header(r, DeadLetterSerializationSchema.SOURCE_TOPIC)).isEqualTo(EVENTS);
            assertThat(header(r, DeadLetterSerializationSchema.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(r, DeadLetterSerializationSchema.MESSAGE)).isNotBlank();
            String reason = header(r, DeadLetterSerializationSchema.REASON);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(reason);
            long offset = Long.parseLong(header(r, DeadLetterSerializationSchema.SOURCE_OFFSET));
            assertThat(r.value()).as("original bytes of offset %d", offset).isEqualTo(originals.get(offset));
            deadLetteredReasons.put(offset, reason);
        }
        assertThat(deadLetteredReasons).isEqualTo(poisonReasonByOffset);

        // a replica that follows the log from the base snapshot reaches the trainer's snapshot of the last step
        Snapshot base = SnapshotStore.read(snapshots.resolve(updates.get(0).baseSnapshotId() + ".safetensors"),
                updates.get(0).baseSnapshotId());
        assertThat(base.step()).isZero();
        String baseWeights = base.parameters().weightsSha256();
        assertThat(updates).allMatch(r -> r.formatVersion() == 2 && r.mask() != null);
        assertThat(updates.stream().filter(r -> r.subspace() != null && !r.subspace().removed().isEmpty()))
                .as("records with a subspace correction").hasSizeGreaterThan(10);
        Replica replica = new Replica(MODEL, base.parameters().copy(), base.step());
        updates.forEach(replica::apply);
        String replicaWeights = replica.parameters().weightsSha256();
        assertThat(replicaWeights).isNotEqualTo(baseWeights);
        assertThat(replicaWeights).isEqualTo(trainerSnapshotAt(snapshots, updates.size()));

        // every snapshot was announced on the updates topic once stored: the base and each interval step
        List<SnapshotAnnouncement> announced = StreamingItSupport.announcements(entries);
        assertThat(announced.stream().map(a -> a.step).toList())
                .isEqualTo(java.util.stream.LongStream.rangeClosed(0, VALID / BATCH / SNAPSHOT_INTERVAL)
                        .map(k -> k * SNAPSHOT_INTERVAL).boxed().toList());
        SnapshotAnnouncement last = announced.get(announced.size() - 1);
        assertThat(last.weightsSha256).isEqualTo(replicaWeights);
        assertThat(last.uri).startsWith("file:").endsWith(last.sha256 + ".safetensors");

        // a replica that knows only the topic bootstraps from the newest announcement and has the trainer's weights
        try (ModelUpdateSubscriber sub = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(UPDATES).modelId(MODEL)
                .snapshotsFromAnnouncements().build().start()) {
            assertThat(sub.awaitVersion(updates.size(), Duration.ofSeconds(30))).isTrue();
            assertThat(sub.bootstrapStep()).isEqualTo(last.step);
            assertThat(sub.weights().orElseThrow().weightsSha256()).isEqualTo(replicaWeights);
        }

        // `seedflow audit` on what the job wrote: one line of steps, every event accounted for once, the replay
        // matching every snapshot; then a second trainer's step 1 (a redeploy without state) is found as a fork
        String[] audit = {"audit", "--bootstrap-servers", kafka.bootstrapServers(), "--registry-url",
            registryServer.url(), "--updates-topic", UPDATES, "--events-topic", EVENTS, "--dead-letter-topic",
            DEAD_LETTERS};
        InProcessCli.Run passed = InProcessCli.run(audit);
        assertThat(passed.code()).as(passed.out() + passed.err()).isZero();
        assertThat(passed.out()).contains("OK   steps      model 'it-model': steps 1..30 contiguous in 30 records, 4 "
                        + "snapshot announcements")
                .contains("OK   events     topic events: " + (VALID + poisonReasonByOffset.size()) + " events held, "
                        + VALID + " trained, " + poisonReasonByOffset.size() + " dead-lettered")
                .contains("OK   replay     model 'it-model': replayed steps 1..30 from the snapshot of step 0 ("
                        + base.sha256() + "): the 2 base snapshots the records name and the 3 announced snapshots "
                        + "match; weights at version 30: " + replicaWeights)
                .contains("audit: PASSED (0 failed, 1 warnings)");
        StreamingItSupport.publishInOneTransaction(kafka, registry, UPDATES, List.of(updates.get(0)));
        InProcessCli.Run forked = InProcessCli.run(audit);
        assertThat(forked.code()).as(forked.out() + forked.err()).isEqualTo(1);
        assertThat(forked.out()).contains("FAIL steps      model 'it-model': a second step 1 at offset ")
                .contains("FAIL events     events/0 offsets " + updates.get(0).lineage().get(0).fromOffset())
                .contains("trained twice (model 'it-model' step 1 and model 'it-model' step 1)")
                .contains("FAIL replay     model 'it-model': the replay stops at the record of step 1")
                .contains("audit: FAILED (");
    }

    /** Holdout events: the trainer evaluates on them and never trains on them (not in any lineage). */
    private void produceHoldout() throws Exception {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        Random random = new Random(11);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < HOLDOUT_EVENTS; i++) {
                producer.send(new ProducerRecord<>(HOLDOUT, MODEL.getBytes(StandardCharsets.UTF_8), codec.encode(
                        ConfluentWireFormat.valueSubject(HOLDOUT), event(random, random.nextInt(CLASSES), FEATURES))))
                        .get();
            }
        }
    }

    private static Configuration trainerSettings(Path snapshots) {
        Configuration c = new Configuration();
        c.set(ZoTrainerOptions.BATCH_SIZE, BATCH);
        c.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        c.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL); // divides the step count: one at the end
        c.set(ZoTrainerOptions.MAX_WAIT, Duration.ofMinutes(1)); // batches are full; no partial flush wanted
        c.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        // format-2 records through Kafka and the registry: a magnitude mask and the head denoised in windows of 4
        c.set(ZoTrainerOptions.PERTURBATIONS, 1);
        c.set(ZoTrainerOptions.SPARSE_MASK, io.seedflow.core.zo.SparsityOptions.MaskKind.MAGNITUDE);
        c.set(ZoTrainerOptions.SPARSITY, 0.5);
        c.set(ZoTrainerOptions.SPARSE_REFRESH, 7L);
        c.set(ZoTrainerOptions.SUBSPACE_TENSORS, List.of("layers.1.weight", "layers.1.bias"));
        c.set(ZoTrainerOptions.SUBSPACE_WINDOW, 4);
        c.set(ZoTrainerOptions.SUBSPACE_THRESHOLD, 0.3);
        return c;
    }

    /** Original bytes of every produced event, by offset. */
    private final Map<Long, byte[]> originals = new HashMap<>();

    /**
     * Sends {@value #VALID} valid events and one poison record of each kind (every 60 valid events); returns the
     * expected dead-letter reason by offset.
     */
    private Map<Long, String> produceEvents() throws Exception {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        String subject = ConfluentWireFormat.valueSubject(EVENTS);
        Random random = new Random(7);
        List<Map.Entry<String, byte[]>> poison = List.of(
                Map.entry("UNDECODABLE", "definitely not avro".getBytes(StandardCharsets.UTF_8)),
                Map.entry("UNKNOWN_SCHEMA_ID", unknownSchemaId(codec.encode(subject, event(random, 0, FEATURES)))),
                Map.entry("WRONG_FEATURE_LENGTH", codec.encode(subject, event(random, 1, FEATURES - 1))),
                Map.entry("NON_FINITE_FEATURE", codec.encode(subject, withNaN(event(random, 2, FEATURES)))),
                Map.entry("LABEL_OUT_OF_RANGE", codec.encode(subject, event(random, CLASSES, FEATURES))));
        Map<Long, String> reasons = new HashMap<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < VALID; i++) {
            if (i > 0 && i % 60 == 0) {
                Map.Entry<String, byte[]> p = poison.get(i / 60 - 1);
                reasons.put((long) values.size(), p.getKey());
                values.add(p.getValue());
            }
            values.add(codec.encode(subject, event(random, random.nextInt(CLASSES), FEATURES)));
        }
        Map.Entry<String, byte[]> last = poison.get(poison.size() - 1);
        reasons.put((long) values.size(), last.getKey());
        values.add(last.getValue());

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] v : values) {
                long offset = producer.send(new ProducerRecord<>(EVENTS, MODEL.getBytes(StandardCharsets.UTF_8), v))
                        .get().offset();
                originals.put(offset, v);
            }
        }
        assertThat(originals).hasSize(VALID + poison.size());
        return reasons;
    }

    private static LabeledEvent event(Random random, int label, int features) {
        return StreamingItSupport.event(random, MODEL, label, features, CLASSES);
    }

    private static LabeledEvent withNaN(LabeledEvent e) {
        List<Float> x = new ArrayList<>(e.getDenseFeatures());
        x.set(3, Float.NaN);
        e.setDenseFeatures(x);
        return e;
    }

    /** A valid record whose header names a schema id that the registry has never issued. */
    private static byte[] unknownSchemaId(byte[] record) {
        byte[] copy = record.clone();
        byte[] header = new byte[ConfluentWireFormat.HEADER_LENGTH];
        ConfluentWireFormat.writeHeader(987_654, header);
        System.arraycopy(header, 0, copy, 0, header.length);
        return copy;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        assertThat(h).as("header %s", key).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
