package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.replica.DirectorySnapshotSource;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.core.log.ExistingLogPolicy;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A redeploy without state (issue: "no forks on redeploy"): a first job trains 12 full batches and holds 4 events in
 * its open batch when it is cancelled without a savepoint; its consumer group has committed offsets past those 4. A
 * second job with fresh state and the same consumer group continues the log: steps 13.. (never a second step 1), the
 * 4 held events trained, no event trained twice, a replica running across the redeploy and one started afterwards
 * following without error to the same weights, no poison record dead-lettered twice, the replay matching every
 * snapshot; {@code seedflow audit} says so. With {@code seedflow.trainer.existing-log=REFUSE} a third job refuses,
 * naming the model and its last step, and writes nothing.
 */
class RedeployWithoutStateITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "redeploy-model";
    private static final int FEATURES = 8;
    private static final int CLASSES = 3;
    private static final int BATCH = 10;
    private static final String EVENTS = "redeploy-events";
    private static final String UPDATES = "redeploy-updates";
    private static final String DEAD_LETTERS = "redeploy-dead-letters";

    @Test
    void aJobWithoutStateContinuesTheLogAndTrainsEveryEventOnce(@TempDir Path snapshots) throws Exception {
        for (String topic : List.of(EVENTS, UPDATES, DEAD_LETTERS)) {
            kafka.createTopic(topic, 1);
        }
        Random random = new Random(3);
        produce(random, 125, 60); // 124 valid (12 full batches, 4 held) and one poison record

        JobClient first = start(settings(snapshots, false, ExistingLogPolicy.RESUME), "first");
        awaitSteps(12, Duration.ofSeconds(60));
        Thread.sleep(1000); // a checkpoint or two after step 12: the group commits its offsets past the held 4
        first.cancel().get(30, TimeUnit.SECONDS);
        List<UpdateRecord> before = records();
        assertThat(before).extracting(UpdateRecord::step).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L,
                11L, 12L);

        // a replica that follows the log across the redeploy
        ModelUpdateSubscriber running = subscriber(b -> b.snapshotsFromAnnouncements()).start();
        assertThat(running.awaitVersion(12, Duration.ofSeconds(30))).isTrue();

        produce(random, 75, 30); // 74 valid and one more poison record
        StreamingItSupport.runToEnd(env(settings(snapshots, true, ExistingLogPolicy.RESUME)), "second", 120);
        List<UpdateRecord> after = records();
        // it follows without error, and so does one started now from the snapshot folder: the same weights
        try (running; ModelUpdateSubscriber fresh = subscriber(b -> b.snapshotSource(
                new DirectorySnapshotSource(snapshots))).start()) {
            assertThat(running.awaitVersion(after.size(), Duration.ofSeconds(30))).isTrue();
            assertThat(fresh.awaitVersion(after.size(), Duration.ofSeconds(30))).isTrue();
            running.checkError();
            fresh.checkError();
            assertThat(running.weightsSha256()).isEqualTo(fresh.weightsSha256());
        }
        assertThat(after.stream().map(UpdateRecord::step).toList()).as("one line of steps, continued")
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, after.size()).boxed().toList());
        assertThat(after.subList(0, 12)).isEqualTo(before);
        long trained = after.stream().mapToLong(UpdateRecord::eventCount).sum();
        assertThat(trained).as("198 valid events, each trained once").isEqualTo(198);

        InProcessCli.Run audit = InProcessCli.run("audit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", registryServer.url(), "--updates-topic", UPDATES, "--events-topic", EVENTS,
                "--dead-letter-topic", DEAD_LETTERS);
        assertThat(audit.code()).as(audit.out() + audit.err()).isZero();
        assertThat(audit.out()).contains("OK   events     topic " + EVENTS + ": 200 events held, 198 trained, 2 "
                + "dead-lettered").contains("OK   steps      model '" + MODEL + "': steps 1.." + after.size())
                .contains("OK   replay     model '" + MODEL + "': replayed steps 1.." + after.size());

        // REFUSE: the job stops without restarts, naming the model and its last step, and writes nothing
        produce(random, 20, 0);
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> StreamingItSupport.runToEnd(env(settings(snapshots, true, ExistingLogPolicy.REFUSE)),
                        "refused", 120));
        assertThat(org.apache.flink.util.ExceptionUtils.stringifyException(refused))
                .contains("seedflow.trainer.existing-log")
                .contains("model '" + MODEL + "' already has a log up to step " + after.size());
        assertThat(records()).hasSize(after.size());

        // the same model, now trained data-parallel at parallelism 2, continues the log too: the 20 events the refused
        // job left untrained, and nothing else
        StreamingSettings dataParallel = settings(snapshots, true, ExistingLogPolicy.RESUME, List.of(MODEL));
        StreamingItSupport.runToEnd(env(dataParallel, new Configuration(), 2), "data-parallel", 120);
        List<UpdateRecord> last = records();
        assertThat(last.stream().map(UpdateRecord::step).toList()).as("one line of steps, continued again")
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, last.size()).boxed().toList());
        assertThat(last.subList(after.size(), last.size()).stream().mapToLong(UpdateRecord::eventCount).sum())
                .isEqualTo(20);
        InProcessCli.Run audited = InProcessCli.run("audit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", registryServer.url(), "--updates-topic", UPDATES, "--events-topic", EVENTS,
                "--dead-letter-topic", DEAD_LETTERS);
        assertThat(audited.code()).as(audited.out() + audited.err()).isZero();
        assertThat(audited.out()).contains(": 220 events held, 218 trained, 2 dead-lettered");
    }

    /**
     * Two models on one events topic: the second one's open batch (5 events) is held at the cancel while the first
     * went on training 25 events after them. The next job resumes reading at the held events, so the first model reads
     * 25 events again that its log had trained: it drops them, continued by the keyed trainer or by the data-parallel
     * one (which drops them before they are numbered for its subtasks). The second job of the data-parallel case uses
     * a new consumer group, which has no committed offsets: the log, not the group, says where to resume.
     */
    @ParameterizedTest(name = "continued data-parallel: {0}")
    @ValueSource(booleans = {false, true})
    void eventsTheLogHadTrainedAreDroppedWhenReadAgain(boolean dataParallel, @TempDir Path snapshots)
            throws Exception {
        String suffix = dataParallel ? "-3d" : "-3k";
        for (String topic : List.of(EVENTS, UPDATES, DEAD_LETTERS)) {
            kafka.createTopic(topic + suffix, 1);
        }
        Random random = new Random(9);
        produce(random, 25, 0, suffix, MODEL);
        produce(random, 5, 0, suffix, "other-model");
        produce(random, 25, 0, suffix, MODEL);
        JobClient first = start(settings(snapshots, false, ExistingLogPolicy.RESUME, List.of(), suffix), "first-3");
        awaitSteps(5, Duration.ofSeconds(60), suffix);
        Thread.sleep(1000);
        first.cancel().get(30, TimeUnit.SECONDS);
        assertThat(records(suffix)).hasSize(5).allMatch(r -> r.modelId().equals(MODEL));

        StreamingSettings second = settings(snapshots, true, ExistingLogPolicy.RESUME,
                List.of(dataParallel ? MODEL : "other-model"), suffix, dataParallel ? "a-new-group" : null);
        StreamingItSupport.runToEnd(env(second, new Configuration(), 2), "second-3", 120);
        List<UpdateRecord> after = records(suffix);
        assertThat(after).filteredOn(r -> r.modelId().equals(MODEL)).as("nothing trained twice").hasSize(5);
        assertThat(after).filteredOn(r -> r.modelId().equals("other-model")).singleElement()
                .satisfies(r -> assertThat(r.eventCount()).isEqualTo(5));
        InProcessCli.Run audit = InProcessCli.run("audit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", registryServer.url(), "--updates-topic", UPDATES + suffix, "--events-topic",
                EVENTS + suffix, "--dead-letter-topic", DEAD_LETTERS + suffix);
        assertThat(audit.code()).as(audit.out() + audit.err()).isZero();
        assertThat(audit.out()).contains(": 55 events held, 55 trained, 0 dead-lettered");
    }

    /**
     * The same trainer restored from a savepoint taken at step 6 after the log went on to step 10 (a restore from an
     * older savepoint or checkpoint, or a second job): writing on would fork the log, so it stops without restarts,
     * naming both steps, and writes nothing.
     */
    @Test
    void aRestoreFromAnOlderSavepointAfterTheLogMovedOnIsRefused(@TempDir Path snapshots, @TempDir Path savepoints)
            throws Exception {
        for (String topic : List.of(EVENTS, UPDATES, DEAD_LETTERS)) {
            kafka.createTopic(topic + "-2", 1);
        }
        Random random = new Random(5);
        String suffix = "-2";
        produce(random, 60, 0, suffix);
        JobClient job = start(settings(snapshots, false, ExistingLogPolicy.RESUME, List.of(), suffix), "saved");
        awaitSteps(6, Duration.ofSeconds(60), suffix);
        String savepoint = job.triggerSavepoint(savepoints.toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
        produce(random, 40, 0, suffix);
        awaitSteps(10, Duration.ofSeconds(60), suffix);
        job.cancel().get(30, TimeUnit.SECONDS);
        int steps = records(suffix).size();

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        produce(random, 10, 0, suffix);
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> StreamingItSupport.runToEnd(env(settings(snapshots, true, ExistingLogPolicy.RESUME, List.of(),
                        suffix), restore), "restored-from-an-older-savepoint", 120));
        assertThat(org.apache.flink.util.ExceptionUtils.stringifyException(refused))
                .contains("ForkedLogException: model '" + MODEL + "': its log is at step " + steps
                        + ", past this trainer's restored state at step 6");
        assertThat(records(suffix)).hasSize(steps);
    }

    private static ModelUpdateSubscriber subscriber(
            java.util.function.UnaryOperator<ModelUpdateSubscriber.Builder> snapshots) {
        return snapshots.apply(ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(UPDATES).modelId(MODEL)
                .pollTimeout(Duration.ofMillis(100))).build();
    }

    private StreamingSettings settings(Path snapshots, boolean bounded, ExistingLogPolicy existingLog) {
        return settings(snapshots, bounded, existingLog, List.of());
    }

    private StreamingSettings settings(Path snapshots, boolean bounded, ExistingLogPolicy existingLog,
            List<String> dataParallelModels) {
        return settings(snapshots, bounded, existingLog, dataParallelModels, "");
    }

    private StreamingSettings settings(Path snapshots, boolean bounded, ExistingLogPolicy existingLog,
            List<String> dataParallelModels, String suffix) {
        return settings(snapshots, bounded, existingLog, dataParallelModels, suffix, null);
    }

    /** @param consumerGroup null: the one every job of the test uses */
    private StreamingSettings settings(Path snapshots, boolean bounded, ExistingLogPolicy existingLog,
            List<String> dataParallelModels, String suffix, String consumerGroup) {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, BATCH);
        trainer.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, 5);
        trainer.set(ZoTrainerOptions.MAX_WAIT, Duration.ofHours(1)); // the open batch waits: held at the cancel
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        trainer.set(ZoTrainerOptions.EXISTING_LOG, existingLog);
        return StreamingSettings.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null))
                .eventsTopic(EVENTS + suffix).updatesTopic(UPDATES + suffix).deadLetterTopic(DEAD_LETTERS + suffix)
                .consumerGroup(consumerGroup != null ? consumerGroup : "redeploy-trainer" + suffix).transactionalIdPrefix("redeploy" + suffix)
                .modelSpec("mlp:" + FEATURES + "x6x" + CLASSES + ":relu").trainer(trainer)
                .checkpointInterval(Duration.ofMillis(200)).bounded(bounded).dataParallelModels(dataParallelModels)
                .build();
    }

    private static StreamExecutionEnvironment env(StreamingSettings settings) {
        return env(settings, new Configuration());
    }

    private static StreamExecutionEnvironment env(StreamingSettings settings, Configuration cluster) {
        return env(settings, cluster, 1);
    }

    private static StreamExecutionEnvironment env(StreamingSettings settings, Configuration cluster,
            int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        env.setParallelism(parallelism);
        StreamingPipeline.build(env, settings);
        return env;
    }

    private static JobClient start(StreamingSettings settings, String name) throws Exception {
        return env(settings).executeAsync(name);
    }

    private static void awaitSteps(int steps, Duration timeout) throws InterruptedException {
        awaitSteps(steps, timeout, "");
    }

    private static void awaitSteps(int steps, Duration timeout, String suffix) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records(suffix).size() < steps) {
            assertThat(System.nanoTime()).as("%d committed steps within %s", steps, timeout).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static List<UpdateRecord> records() {
        return records("");
    }

    private static List<UpdateRecord> records(String suffix) {
        return StreamingItSupport.updateRecords(StreamingItSupport.readUpdatesTopic(kafka, registry,
                UPDATES + suffix));
    }

    /** {@code n} events of {@link #MODEL}, a poison record after the {@code poisonAt}-th (0 = none). */
    private static void produce(Random random, int n, int poisonAt) throws Exception {
        produce(random, n, poisonAt, "");
    }

    private static void produce(Random random, int n, int poisonAt, String suffix) throws Exception {
        produce(random, n, poisonAt, suffix, MODEL);
    }

    private static void produce(Random random, int n, int poisonAt, String suffix, String model) throws Exception {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        String subject = ConfluentWireFormat.valueSubject(EVENTS + suffix);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                byte[] value = i == poisonAt && poisonAt > 0 ? "poison".getBytes(StandardCharsets.UTF_8)
                        : codec.encode(subject, StreamingItSupport.event(random, model, random.nextInt(CLASSES),
                                FEATURES, CLASSES));
                producer.send(new ProducerRecord<>(EVENTS + suffix, model.getBytes(StandardCharsets.UTF_8), value))
                        .get();
            }
        }
    }
}
