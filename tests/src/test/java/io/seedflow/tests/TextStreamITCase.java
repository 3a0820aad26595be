package io.seedflow.tests;

import static io.seedflow.tests.StreamingItSupport.readCommitted;
import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.DeadLetterSerializationSchema;
import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.data.LabeledEmail;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.snapshot.FrozenBases;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Text on the stream, end to end: SpamAssassin mails in time order as text events (with each text poison kind among
 * them) through the in-JVM Kafka broker and registry into the streaming job on a MiniCluster, which fine-tunes real
 * MiniLM (hybrid: exact head, ZO body) and fails once mid-stream. The committed log must be contiguous, every mail
 * trained once, each poison dead-lettered with its reason, a replica bootstrapped from the announcements bit-exact
 * with the trainer, and the holdout and prequential metrics must go on from restored state after the failure. The
 * same with LoRA adapters over MiniLM (ZO on the adapters, exact head): the trainer stores the frozen base once beside
 * its snapshots, and the replica loads it from there (spec §2.1).
 */
class TextStreamITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "spam";
    private static final String SPEC = "encoder:all-minilm-l6-v2:2:32";
    private static final int BATCH = 8;
    private static final int STEPS = 24;
    private static final int SNAPSHOT_INTERVAL = 6;
    private static final int HOLDOUT = 16;
    private static final int MAX_TEXT_CHARS = 2_000;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {SPEC, "lora:4:query+value:" + SPEC})
    void textEventsFineTuneMiniLmExactlyOnceAcrossAFailure(String spec, @TempDir Path snapshots) throws Exception {
        String run = spec.substring(0, spec.indexOf(':'));
        String events = run + "-mails";
        String holdout = run + "-mails-holdout";
        String updates = run + "-mail-updates";
        String deadLetters = run + "-mail-dead-letters";
        for (String topic : List.of(events, holdout, updates, deadLetters)) {
            kafka.createTopic(topic, 1);
        }
        List<LabeledEmail> mails = SpamAssassinCorpus.read(SpamAssassinCorpus.defaultDir(), 400).emails();
        Map<Long, String> poisonByOffset = new TreeMap<>();
        Map<Long, LabeledEmail> validByOffset = produce(events, mails.subList(0, STEPS * BATCH), poisonByOffset);
        produce(holdout, mails.subList(mails.size() - HOLDOUT, mails.size()), new HashMap<>());
        Injector.reset();

        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, BATCH);
        trainer.set(ZoTrainerOptions.LEARNING_RATE, 1e-5);
        trainer.set(ZoTrainerOptions.HEAD_LEARNING_RATE, 3.0);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL);
        trainer.set(ZoTrainerOptions.MAX_WAIT, Duration.ofMinutes(1));
        trainer.set(ZoTrainerOptions.HOLDOUT_EVAL_INTERVAL, 2);
        trainer.set(ZoTrainerOptions.PREQUENTIAL_WINDOW, 40);
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        StreamingSettings settings = StreamingSettings.builder()
                .bootstrapServers(kafka.bootstrapServers()).registry(registryServer.clientOptions(null))
                .eventsTopic(events).updatesTopic(updates).deadLetterTopic(deadLetters).holdoutTopic(holdout)
                .consumerGroup("text-it-" + run).transactionalIdPrefix("text-it-" + run).modelSpec(spec)
                .maxTextChars(MAX_TEXT_CHARS).trainer(trainer).checkpointInterval(Duration.ofMillis(300))
                .bounded(true).build();
        InMemoryReporter metrics = InMemoryReporter.createWithRetainedMetrics();
        Configuration cluster = StreamingItSupport.restartingCluster(2);
        // a tokenized mail is ~200 bytes, so the default buffers between the decode stage and the trainer hold the whole
        // stream and a checkpoint barrier (aligned: the edge is a forward one at parallelism 1, where Flink does not
        // take unaligned checkpoints) would wait behind all of it; buffer debloating shrinks the buffers to ~100 ms of
        // the trainer's throughput, so barriers pass mid-stream
        cluster.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
        cluster.set(TaskManagerOptions.BUFFER_DEBLOAT_TARGET, Duration.ofMillis(100));
        cluster.set(TaskManagerOptions.BUFFER_DEBLOAT_PERIOD, Duration.ofMillis(50));
        cluster.set(org.apache.flink.configuration.RestOptions.BIND_PORT, "0"); // any free port, not 8081
        MiniCluster miniCluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(metrics.addToConfiguration(cluster)).setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(1).build());
        miniCluster.start();
        try {
            TestStreamEnvironment.setAsContext(miniCluster, 1);
            StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment(cluster);
            StreamingPipeline.build(flink, settings, u -> u.map(new Injector()).returns(u.getType())
                    .uid("test-failure-injector").name("failure injector"));
            StreamingItSupport.runToEnd(flink, "text-stream-it-" + run, 240);
            assertMetricsWentOnAfterTheRestore(metrics); // before the cluster closes its reporter
        } finally {
            TestStreamEnvironment.unsetAsContext();
            miniCluster.close();
        }

        assertThat(Injector.FAILURES.get()).as("injected failures; log %s", Injector.LOG).isEqualTo(1);
        List<UpdatesTopic.Entry> entries = StreamingItSupport.readUpdatesTopic(kafka, registry, updates);
        List<UpdateRecord> records = StreamingItSupport.updateRecords(entries);
        assertThat(records.stream().map(UpdateRecord::step).toList()).as("committed steps")
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, STEPS).boxed().toList());
        assertThat(records).allSatisfy(r -> assertThat(r.headDelta()).as("hybrid head delta").isNotNull());

        Map<Long, Integer> trained = new TreeMap<>();
        for (UpdateRecord r : records) {
            for (Lineage l : r.lineage()) {
                for (long o = l.fromOffset(); o < l.untilOffset(); o++) {
                    trained.merge(o, 1, Integer::sum);
                }
            }
        }
        assertThat(trained.keySet()).as("trained offsets").isEqualTo(validByOffset.keySet());
        assertThat(trained.values()).as("times each mail was trained on").containsOnly(1);

        Map<Long, String> deadLettered = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(kafka, deadLetters)) {
            long offset = Long.parseLong(header(r, DeadLetterSerializationSchema.SOURCE_OFFSET));
            assertThat(deadLettered.put(offset, header(r, DeadLetterSerializationSchema.REASON))).isNull();
        }
        assertThat(deadLettered).isEqualTo(poisonByOffset);

        // a replica bootstrapped from the announced base snapshot, following the topic, holds the trainer's weights
        String trainerWeights = StreamingItSupport.trainerSnapshotAt(snapshots, STEPS);
        try (ModelUpdateSubscriber replica = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(updates).modelId(MODEL).snapshotsFromAnnouncements()
                .build()) {
            replica.start();
            assertThat(replica.awaitVersion(STEPS, Duration.ofSeconds(60))).as("replica reached the last step").isTrue();
            assertThat(replica.read(w -> w.weightsSha256()).orElseThrow()).isEqualTo(trainerWeights);
        }
        if (!ModelSpecs.parse(spec).frozenBase().isEmpty()) {
            try (var files = java.nio.file.Files.list(snapshots)) {
                assertThat(files.filter(f -> SnapshotStore.read(f, null).modelId().equals(FrozenBases.MODEL_ID))
                        .count()).as("frozen bases stored").isEqualTo(1);
            }
        }

    }

    /**
     * After the restore: the prequential score counted every trained mail (it went on from state: the attempt after
     * the restore saw only part of the stream), and the holdout accuracy is evaluated (from the restored holdout state,
     * plus any holdout events the restored source offsets read again; that the holdout itself survives a restore
     * without them is ZoTrainerFunctionTest's).
     */
    private static void assertMetricsWentOnAfterTheRestore(InMemoryReporter metrics) {
        Map<String, Metric> last = lastTrainerAttempt(metrics);
        assertThat(gauge(last, "seedflowPrequentialExamples")).isEqualTo((long) STEPS * BATCH);
        assertThat(((Counter) last.get("seedflowHoldoutEvents")).getCount()).isBetween(0L, (long) HOLDOUT);
        assertThat((Double) gauge(last, "seedflowHoldoutAccuracy")).isBetween(0.0, 1.0);
        assertThat((Double) gauge(last, "seedflowPrequentialF1Total")).isBetween(0.0, 1.0);
    }

    /**
     * The metrics of the trainer attempt that scored every mail. The failure is injected at least 4 steps before the
     * end, so that attempt is one after the restore (the reporter keeps one metric group per attempt, or the newest
     * attempt's metrics under a group that repeats).
     */
    private static Map<String, Metric> lastTrainerAttempt(InMemoryReporter reporter) {
        List<Map<String, Metric>> attempts = new ArrayList<>();
        for (Map.Entry<MetricGroup, Map<String, Metric>> g : reporter.getMetricsByGroup().entrySet()) {
            if (g.getValue().containsKey("seedflowPrequentialExamples")) {
                attempts.add(g.getValue());
            }
        }
        return attempts.stream().filter(m -> (Long) gauge(m, "seedflowPrequentialExamples") == (long) STEPS * BATCH)
                .findFirst().orElseThrow(() -> new AssertionError("no trainer attempt scored all " + STEPS * BATCH
                        + " mails: " + attempts.stream().map(m -> gauge(m, "seedflowPrequentialExamples")).toList()));
    }

    private static Object gauge(Map<String, Metric> metrics, String name) {
        return ((Gauge<?>) metrics.get(name)).getValue();
    }

    /**
     * Produces the mails as text events in order, with one of each text poison kind before every 40th mail; returns
     * the valid ones by offset and fills {@code poisonByOffset} with the reason each poison must be dead-lettered with.
     */
    private Map<Long, LabeledEmail> produce(String topic, List<LabeledEmail> mails, Map<Long, String> poisonByOffset)
            throws Exception {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        String subject = ConfluentWireFormat.valueSubject(topic);
        List<Map.Entry<String, byte[]>> poisons = new ArrayList<>(List.of(
                Map.entry("EMPTY_TEXT", codec.encode(subject, text("   ", 0))),
                Map.entry("TEXT_TOO_LONG", codec.encode(subject, text("spam ".repeat(MAX_TEXT_CHARS), 1))),
                Map.entry("INVALID_TEXT", notUtf8(codec.encode(subject, text("hello world", 0)))),
                Map.entry("LABEL_OUT_OF_RANGE", codec.encode(subject, text("hello", 2))),
                Map.entry("WRONG_PAYLOAD", codec.encode(subject, LabeledEvent.newBuilder(text("x", 0)).setText(null)
                        .setDenseFeatures(List.of(1f, 2f)).build()))));
        Map<Long, LabeledEmail> valid = new TreeMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < mails.size(); i++) {
                if (!topic.endsWith("holdout") && i % 40 == 20 && !poisons.isEmpty()) {
                    Map.Entry<String, byte[]> p = poisons.remove(0);
                    poisonByOffset.put(send(producer, topic, p.getValue()), p.getKey());
                }
                LabeledEmail m = mails.get(i);
                valid.put(send(producer, topic, codec.encode(subject, text(m.text(), m.label()))), m);
            }
        }
        return valid;
    }

    private static long send(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, MODEL.getBytes(StandardCharsets.UTF_8), value)).get()
                .offset();
    }

    private static LabeledEvent text(String text, int label) {
        return LabeledEvent.newBuilder().setEventId("e").setEventTime(Instant.EPOCH).setModelId(MODEL)
                .setLabel(label).setText(text).build();
    }

    private static byte[] notUtf8(byte[] record) {
        byte[] world = "world".getBytes(StandardCharsets.US_ASCII);
        for (int i = record.length - world.length; i >= 0; i--) {
            if (java.util.Arrays.equals(record, i, i + world.length, world, 0, world.length)) {
                record[i] = (byte) 0xC3;
                return record;
            }
        }
        throw new AssertionError("no text in the record");
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    /**
     * Before the updates sink: slows records a little so checkpoints land mid-stream, and throws once (at least 4
     * steps before the end), on the first record after a completed checkpoint that covers a step past the first non-base snapshot (so the restore loads a
     * snapshot and replays a non-empty tail of hybrid records).
     */
    static final class Injector implements MapFunction<UpdateRecord, UpdateRecord>, CheckpointedFunction,
            CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger FAILURES = new AtomicInteger();
        static final Map<Long, Long> STEP_AT_CHECKPOINT = new java.util.concurrent.ConcurrentHashMap<>();
        static final List<String> LOG = new CopyOnWriteArrayList<>();
        private transient long lastStep;
        private transient long completedStep;

        static void reset() {
            FAILURES.set(0);
            STEP_AT_CHECKPOINT.clear();
            LOG.clear();
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
            completedStep = -1;
            if (context.isRestored()) {
                Long step = STEP_AT_CHECKPOINT.get(context.getRestoredCheckpointId().orElseThrow());
                lastStep = step == null ? -1 : step;
                LOG.add("restored at step " + lastStep);
            }
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            STEP_AT_CHECKPOINT.put(context.getCheckpointId(), lastStep);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            Long step = STEP_AT_CHECKPOINT.get(checkpointId);
            if (step != null) {
                completedStep = Math.max(completedStep, step);
                LOG.add("checkpoint " + checkpointId + " completed at step " + step);
            }
        }

        @Override
        public UpdateRecord map(UpdateRecord r) throws Exception {
            Thread.sleep(250); // a step every quarter second at least: checkpoints (300 ms) land between steps
            lastStep = r.step();
            if (completedStep > SNAPSHOT_INTERVAL && completedStep % SNAPSHOT_INTERVAL != 0
                    && lastStep > completedStep && lastStep <= STEPS - 4 && FAILURES.compareAndSet(0, 1)) {
                LOG.add("failure at step " + lastStep + " after checkpoint at step " + completedStep);
                throw new IllegalStateException("injected failure at step " + lastStep);
            }
            return r;
        }
    }
}
