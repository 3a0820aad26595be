package io.seedflow.tests;

import static io.seedflow.tests.StreamingItSupport.readCommitted;
import static io.seedflow.tests.StreamingItSupport.trainerSnapshotAt;
import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.DeadLetterSerializationSchema;
import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoSgdTrainer;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once training under failures (DESIGN.md, "Exactly-once training"): the streaming job of
 * {@link StreamingPipelineITCase} on a Flink MiniCluster against the in-JVM Kafka broker, with a test-only operator
 * ({@link FailureInjector}, inserted through {@link StreamingPipeline}'s test hook right before the updates sink) that
 * throws twice: once mid-stream, after a checkpoint that holds a non-empty log tail on top of a non-base snapshot
 * has completed, and once again a few records after that recovery. The job restarts (fixed delay) from its last
 * checkpoint each time. The committed updates topic must still hold steps 1..N exactly once, their lineage must
 * cover every valid event exactly once, and the weights must equal, bit for bit, an uninterrupted reference that
 * trains the same events in the same order offline with core's {@link ZoSgdTrainer}.
 *
 * <p>Aligned checkpoints only cut the stream mid-way when the events do not all fit in the network buffers between
 * the source and the trainer, so the test uses many small batches and 4 KiB network buffers.
 */
class FailureRecoveryITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "recovery-model";
    private static final String SPEC = "mlp:16x8x3:relu";
    private static final int FEATURES = 16;
    private static final int CLASSES = 3;
    private static final int BATCH = 10;
    private static final int STEPS = 240;
    private static final int VALID = STEPS * BATCH; // a multiple of the batch: no partial batch at the end
    private static final int SNAPSHOT_INTERVAL = 40; // snapshots at 40, 80, ..., 240 (the last step)
    // per state backend, so the two runs share the broker but not their topics
    private static String eventsTopic;
    private static String updatesTopic;
    private static String deadLetterTopic;
    /** Poison records are produced before these valid-event indices. */
    private static final Map<Integer, String> POISON_BEFORE = Map.of(700, "UNDECODABLE", 1900, "LABEL_OUT_OF_RANGE");


    /**
     * @param stateBackend {@code hashmap}, or {@code rocksdb} with incremental checkpoints (the production setting):
     *     the trainer's state must restore the same way from both
     */
    @ParameterizedTest(name = "state backend {0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void trainsEveryEventExactlyOnceAcrossInjectedFailures(String stateBackend, @TempDir Path snapshots,
            @TempDir Path checkpoints) throws Exception {
        eventsTopic = "events-" + stateBackend;
        updatesTopic = "updates-" + stateBackend;
        deadLetterTopic = "dead-letters-" + stateBackend;
        for (String topic : List.of(eventsTopic, updatesTopic, deadLetterTopic)) {
            kafka.createTopic(topic, 1);
        }
        Produced produced = produceEvents();
        FailureInjector.reset();
        FailureInjector.checkpointDir = checkpoints;

        StreamingSettings settings = StreamingSettings.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null))
                .eventsTopic(eventsTopic).updatesTopic(updatesTopic).deadLetterTopic(deadLetterTopic)
                .consumerGroup("recovery-trainer").transactionalIdPrefix("recovery-it")
                .modelSpec(SPEC)
                .trainer(trainerSettings(snapshots))
                .checkpointInterval(Duration.ofMillis(200))
                .bounded(true)
                .build();
        Configuration cluster = StreamingItSupport.restartingCluster(3);
        cluster.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        cluster.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        cluster.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, stateBackend.equals("rocksdb"));
        cluster.set(CheckpointingOptions.FS_SMALL_FILE_THRESHOLD, MemorySize.ZERO);
        StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        flink.setParallelism(1);
        StreamingPipeline.build(flink, settings, updates -> updates.map(new FailureInjector())
                .returns(updates.getType()).uid("test-failure-injector").name("failure injector"));
        StreamingItSupport.runToEnd(flink, "failure-recovery-it", 60);

        System.out.println("FailureRecoveryITCase injector log: " + FailureInjector.LOG);
        if (stateBackend.equals("rocksdb")) {
            // incremental RocksDB checkpoints keep their SST files in <job>/shared (every one, with the small-file
            // threshold at 0), seen while the job ran: proof the backend was in use
            assertThat(FailureInjector.SHARED_FILES_SEEN.get())
                    .as("files in the incremental checkpoints' shared directory at a completed checkpoint").isPositive();
        }
        // the failures really happened, each recovery restarted from a checkpoint, and the first one mid-stream
        assertThat(FailureInjector.FAILURES.get()).as("injected failures; log: %s", FailureInjector.LOG).isEqualTo(2);
        assertThat(FailureInjector.RESTORED_STEPS).as("steps of the restored checkpoints; log: %s",
                FailureInjector.LOG).hasSize(2);
        long firstRestored = FailureInjector.RESTORED_STEPS.get(0);
        assertThat(firstRestored).as("first recovery restores snapshot + non-empty tail; log: %s",
                FailureInjector.LOG).isGreaterThan(SNAPSHOT_INTERVAL).isLessThan(STEPS);
        assertThat(firstRestored % SNAPSHOT_INTERVAL).isNotZero();
        assertThat(FailureInjector.ANOMALIES).as("steps seen out of sequence within one attempt").isEmpty();

        List<UpdatesTopic.Entry> entries = StreamingItSupport.readUpdatesTopic(kafka, registry, updatesTopic);
        List<UpdateRecord> updates = StreamingItSupport.updateRecords(entries);

        // contiguous steps 1..N, no duplicates, one model
        assertThat(updates.stream().map(UpdateRecord::step).toList()).as("committed steps")
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, STEPS).boxed().toList());
        assertThat(updates).allSatisfy(u -> assertThat(u.modelId()).isEqualTo(MODEL));

        // each snapshot announced exactly once despite the restarts (re-taken snapshots are announced only if their
        // first announcement was rolled back with its transaction), and each announcement names the weights the
        // records' base ids say
        List<SnapshotAnnouncement> announced = StreamingItSupport.announcements(entries);
        assertThat(announced.stream().map(a -> a.step).toList()).as("announced snapshot steps")
                .isEqualTo(java.util.stream.LongStream.rangeClosed(0, STEPS / SNAPSHOT_INTERVAL)
                        .map(k -> k * SNAPSHOT_INTERVAL).boxed().toList());
        for (SnapshotAnnouncement a : announced) {
            if (a.step < STEPS) {
                assertThat(updates.get((int) a.step).baseSnapshotId()).as("base of step %d", a.step + 1)
                        .isEqualTo(a.sha256);
            }
        }

        // the lineage covers every valid offset exactly once and no poison offset
        Map<Long, Integer> trainedCount = new TreeMap<>();
        for (UpdateRecord u : updates) {
            assertThat(u.eventCount()).as("events of step %d", u.step()).isEqualTo(BATCH);
            for (Lineage l : u.lineage()) {
                assertThat(l.source()).isEqualTo(eventsTopic);
                assertThat(l.partition()).isZero();
                for (long o = l.fromOffset(); o < l.untilOffset(); o++) {
                    trainedCount.merge(o, 1, Integer::sum);
                }
            }
        }
        assertThat(trainedCount.keySet()).as("trained offsets").isEqualTo(produced.validByOffset.keySet());
        assertThat(trainedCount).as("times each offset was trained on").allSatisfy((o, n) -> assertThat(n)
                .as("times offset %d was trained on", o).isEqualTo(1));

        // trained + dead-lettered = produced, each poison record dead-lettered exactly once
        List<ConsumerRecord<byte[], byte[]>> deadLetters = readCommitted(kafka, deadLetterTopic);
        Map<Long, String> deadLettered = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            long offset = Long.parseLong(header(r, DeadLetterSerializationSchema.SOURCE_OFFSET));
            assertThat(deadLettered.put(offset, header(r, DeadLetterSerializationSchema.REASON)))
                    .as("offset %d dead-lettered twice", offset).isNull();
        }
        assertThat(deadLettered).isEqualTo(new TreeMap<>(produced.poisonReasonByOffset));
        long trained = updates.stream().mapToLong(UpdateRecord::eventCount).sum();
        assertThat(trained + deadLetters.size()).isEqualTo(produced.total);

        // an uninterrupted reference: the same events, in the same order, trained offline with core
        List<UpdateRecord> reference = new ArrayList<>();
        String referenceWeights = trainOffline(produced, snapshots, reference);
        for (int i = 0; i < STEPS; i++) {
            UpdateRecord got = updates.get(i);
            UpdateRecord want = reference.get(i);
            assertThat(got.status()).as("status of step %d", got.step()).isEqualTo(want.status());
            // seeds and coefficient bits: the topic carries format 4, without the monitoring-only losses
            assertThat(terms(got)).as("perturbations of step %d", got.step()).isEqualTo(terms(want));
            assertThat(got.lineage()).as("lineage of step %d", got.step()).isEqualTo(want.lineage());
        }

        // a replica that follows the committed log from the base snapshot matches the reference bit for bit
        Snapshot base = SnapshotStore.read(snapshots.resolve(updates.get(0).baseSnapshotId() + ".safetensors"),
                updates.get(0).baseSnapshotId());
        assertThat(base.step()).isZero();
        Replica replica = new Replica(MODEL, base.parameters().copy(), base.step());
        updates.forEach(replica::apply);
        assertThat(replica.version()).isEqualTo(STEPS);
        assertThat(replica.parameters().weightsSha256()).as("replica vs uninterrupted reference")
                .isEqualTo(referenceWeights);
        assertThat(trainerSnapshotAt(snapshots, STEPS)).as("trainer's own snapshot of the last step")
                .isEqualTo(referenceWeights);
    }

    private static Configuration trainerSettings(Path snapshots) {
        Configuration c = new Configuration();
        c.set(ZoTrainerOptions.BATCH_SIZE, BATCH);
        c.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        c.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL);
        c.set(ZoTrainerOptions.MAX_WAIT, Duration.ofMinutes(1)); // batches are full; no partial flush wanted
        c.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        return c;
    }

    /**
     * Trains the valid events offline in offset order, {@value #BATCH} per step, with the trainer's settings and
     * initial weights; adds each step's record to {@code records} and returns the final weights' SHA-256.
     */
    private static String trainOffline(Produced produced, Path snapshots, List<UpdateRecord> records) {
        Configuration conf = trainerSettings(snapshots);
        conf.set(ZoTrainerOptions.MODEL_SPEC, SPEC);
        MlpSpec spec = MlpSpec.parse(SPEC);
        ParameterSet params = new Mlp(spec).initialize(conf.get(ZoTrainerOptions.MODEL_INIT_SEED));
        CpuBackend backend = new CpuBackend(spec);
        try {
            ZoSgdTrainer trainer = new ZoSgdTrainer(backend, params, ZoTrainerOptions.zoOptions(conf), MODEL,
                    "reference", 0);
            List<Map.Entry<Long, LabeledEvent>> events = new ArrayList<>(produced.validByOffset.entrySet());
            for (int from = 0; from < events.size(); from += BATCH) {
                float[] features = new float[BATCH * FEATURES];
                int[] labels = new int[BATCH];
                List<Lineage> lineage = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    Map.Entry<Long, LabeledEvent> e = events.get(from + i);
                    List<Float> x = e.getValue().getDenseFeatures();
                    for (int j = 0; j < FEATURES; j++) {
                        features[i * FEATURES + j] = x.get(j);
                    }
                    labels[i] = e.getValue().getLabel();
                    long offset = e.getKey();
                    Lineage last = lineage.isEmpty() ? null : lineage.get(lineage.size() - 1);
                    if (last != null && last.untilOffset() == offset) {
                        lineage.set(lineage.size() - 1, new Lineage(eventsTopic, 0, last.fromOffset(), offset + 1));
                    } else {
                        lineage.add(new Lineage(eventsTopic, 0, offset, offset + 1));
                    }
                }
                records.add(trainer.step(new Batch(features, labels, BATCH, FEATURES), lineage));
            }
            return params.weightsSha256();
        } finally {
            backend.close();
        }
    }

    /** What was produced to the events topic. */
    private record Produced(TreeMap<Long, LabeledEvent> validByOffset, Map<Long, String> poisonReasonByOffset,
            long total) {
    }

    private Produced produceEvents() throws Exception {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        String subject = ConfluentWireFormat.valueSubject(eventsTopic);
        Random random = new Random(11);
        List<Object> values = new ArrayList<>(); // LabeledEvent (valid) or Map.Entry<reason, bytes> (poison)
        for (int i = 0; i < VALID; i++) {
            String poison = POISON_BEFORE.get(i);
            if (poison != null) {
                byte[] bytes = poison.equals("UNDECODABLE") ? "definitely not avro".getBytes(StandardCharsets.UTF_8)
                        : codec.encode(subject, StreamingItSupport.event(random, MODEL, CLASSES, FEATURES, CLASSES));
                values.add(Map.entry(poison, bytes));
            }
            values.add(StreamingItSupport.event(random, MODEL, random.nextInt(CLASSES), FEATURES, CLASSES));
        }
        TreeMap<Long, LabeledEvent> valid = new TreeMap<>();
        Map<Long, String> poisonReasons = new ConcurrentHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Object v : values) {
                byte[] bytes = v instanceof LabeledEvent e ? codec.encode(subject, e)
                        : (byte[]) ((Map.Entry<?, ?>) v).getValue();
                sent.add(producer.send(new ProducerRecord<>(eventsTopic, MODEL.getBytes(StandardCharsets.UTF_8), bytes)));
            }
            for (int i = 0; i < values.size(); i++) {
                long offset = sent.get(i).get().offset();
                if (values.get(i) instanceof LabeledEvent e) {
                    valid.put(offset, e);
                } else {
                    poisonReasons.put(offset, (String) ((Map.Entry<?, ?>) values.get(i)).getKey());
                }
            }
        }
        assertThat(valid).hasSize(VALID);
        assertThat(poisonReasons).hasSize(POISON_BEFORE.size());
        return new Produced(valid, poisonReasons, values.size());
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        assertThat(h).as("header %s", key).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * Test-only pass-through in front of the updates sink (chained to the trainer, so it sees the trainer's state at
     * each checkpoint). It slows each record a little so that checkpoints land mid-stream, remembers which step each
     * checkpoint covered, and throws: first once a completed checkpoint covers a step past the first non-base
     * snapshot that is not itself a snapshot step (so the restore loads snapshot + non-empty tail) and a few records
     * have passed it; then again a few records after that recovery. Static fields, because each restart creates a
     * new instance; the test runs the job at parallelism 1.
     */
    static final class FailureInjector implements MapFunction<UpdateRecord, UpdateRecord>, CheckpointedFunction,
            CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger FAILURES = new AtomicInteger();
        static final Map<Long, Long> STEP_AT_CHECKPOINT = new ConcurrentHashMap<>();
        static final List<Long> RESTORED_STEPS = new CopyOnWriteArrayList<>();
        static final List<String> ANOMALIES = new CopyOnWriteArrayList<>();
        static final List<String> LOG = new CopyOnWriteArrayList<>();
        /** The run's checkpoint directory, and the most files seen in its shared/ folders at a completed checkpoint. */
        static volatile Path checkpointDir;
        static final java.util.concurrent.atomic.AtomicLong SHARED_FILES_SEEN = new java.util.concurrent.atomic.AtomicLong();

        private transient long lastStep;
        private transient long completedStep;
        private transient int seenThisAttempt;

        /** Files under any shared/ folder of {@code dir}: where incremental RocksDB checkpoints keep their SSTs. */
        static long sharedFiles(Path dir) {
            if (dir == null) {
                return 0;
            }
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir)) {
                return files.filter(f -> f.getParent() != null && f.getParent().getFileName() != null
                        && f.getParent().getFileName().toString().equals("shared")).count();
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                return 0; // a checkpoint being cleaned up meanwhile
            }
        }

        static void reset() {
            SHARED_FILES_SEEN.set(0);
            FAILURES.set(0);
            STEP_AT_CHECKPOINT.clear();
            RESTORED_STEPS.clear();
            ANOMALIES.clear();
            LOG.clear();
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
            lastStep = 0;
            completedStep = -1;
            seenThisAttempt = 0;
            if (context.isRestored()) {
                long id = context.getRestoredCheckpointId().orElseThrow();
                Long step = STEP_AT_CHECKPOINT.get(id);
                lastStep = step == null ? -1 : step;
                RESTORED_STEPS.add(lastStep);
                LOG.add("restored checkpoint " + id + " at step " + lastStep);
            }
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            STEP_AT_CHECKPOINT.put(context.getCheckpointId(), lastStep);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            SHARED_FILES_SEEN.accumulateAndGet(sharedFiles(checkpointDir), Math::max);
            Long step = STEP_AT_CHECKPOINT.get(checkpointId);
            if (step != null) {
                completedStep = Math.max(completedStep, step);
                LOG.add("checkpoint " + checkpointId + " completed at step " + step);
            }
        }

        @Override
        public UpdateRecord map(UpdateRecord r) throws Exception {
            Thread.sleep(8);
            if (r.step() != lastStep + 1) {
                ANOMALIES.add("step " + r.step() + " after step " + lastStep + " (failures so far: "
                        + FAILURES.get() + ")");
            }
            lastStep = r.step();
            seenThisAttempt++;
            if (FAILURES.get() == 0 && completedStep > SNAPSHOT_INTERVAL && completedStep % SNAPSHOT_INTERVAL != 0
                    && lastStep >= completedStep + 3 && FAILURES.compareAndSet(0, 1)) {
                LOG.add("failure 1 at step " + lastStep);
                throw new IllegalStateException("injected failure 1 at step " + lastStep);
            }
            if (FAILURES.get() == 1 && seenThisAttempt >= 5 && FAILURES.compareAndSet(1, 2)) {
                LOG.add("failure 2 at step " + lastStep);
                throw new IllegalStateException("injected failure 2 at step " + lastStep);
            }
            return r;
        }
    }

    /** Each term as (seed, raw bits of the coefficient): what a replica applies. */
    private static List<List<Long>> terms(UpdateRecord r) {
        return r.perturbations().stream()
                .map(t -> List.of(t.seed(), (long) Float.floatToRawIntBits(t.coefficient()))).toList();
    }
}
