package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two trainers of one model at once (docs/update-log-spec.md §7.4): the same job is submitted a second time, without
 * state (keyed, or data-parallel at parallelism 2), while the first runs; both train the events that arrive after
 * that. One of them stops without restarts,
 * naming the model and the step the other wrote first; the other goes on; the log stays one line of steps, and a
 * replica follows it to the end.
 */
class ConcurrentTrainersITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "fenced-model";
    private static final int FEATURES = 8;
    private static final int CLASSES = 3;
    private static final String EVENTS = "fenced-events";
    private static final String UPDATES = "fenced-updates";
    private static final String DEAD_LETTERS = "fenced-dead-letters";

    @ParameterizedTest(name = "second trainer data-parallel: {0}")
    @ValueSource(booleans = {false, true})
    void oneOfTwoConcurrentTrainersStopsAndTheLogStaysOneLine(boolean dataParallel, @TempDir Path snapshots)
            throws Exception {
        String suffix = dataParallel ? "-dp" : "";
        String events = EVENTS + suffix;
        String updates = UPDATES + suffix;
        for (String topic : List.of(events, updates, DEAD_LETTERS + suffix)) {
            kafka.createTopic(topic, 1);
        }
        Random random = new Random(11);
        produce(random, 100, events);
        JobClient first = env(snapshots, suffix, "fenced-1" + suffix, false).executeAsync("first trainer");
        awaitSteps(updates, 10, Duration.ofSeconds(60));
        // (its own transactional id prefix: the Kafka sinks of two jobs in one JVM may not share one)
        JobClient second = env(snapshots, suffix, "fenced-2" + suffix, dataParallel)
                .executeAsync("second trainer, same model, without state");
        Thread.sleep(3000); // the second trainer continues the log: nothing new to train yet
        assertThat(ended(first)).isFalse();
        assertThat(ended(second)).isFalse();

        // events for both: each trains them from its own position, so both write the next steps
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        JobClient stopped = null;
        while (stopped == null) {
            assertThat(System.nanoTime()).as("one trainer stops within 90 s").isLessThan(deadline);
            produce(random, 20, events);
            Thread.sleep(500);
            for (JobClient job : List.of(first, second)) {
                if (ended(job)) {
                    stopped = job;
                }
            }
        }
        JobClient survivor = stopped == first ? second : first;
        JobClient loser = stopped;
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> loser.getJobExecutionResult().get(30, TimeUnit.SECONDS));
        String why = ExceptionUtils.stringifyException(failure);
        assertThat(why).contains("ForkedLogException: model '" + MODEL + "': another writer (job ")
                .contains("two trainers write the model at once; this job stops without restarts");
        System.out.println("fenced: the " + (stopped == first ? "first" : "second") + " trainer stopped: "
                + why.lines().filter(l -> l.contains("ForkedLogException")).findFirst().orElse("?"));
        assertThat(ended(survivor)).isFalse();

        // the survivor goes on; the log is one line of steps; a replica follows it
        int before = records(updates).size();
        produce(random, 50, events);
        awaitSteps(updates, before + 5, Duration.ofSeconds(60));
        survivor.cancel().get(30, TimeUnit.SECONDS);
        List<UpdateRecord> log = records(updates);
        assertThat(log).extracting(UpdateRecord::step)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, log.size()).boxed().toList());
        try (ModelUpdateSubscriber replica = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(updates).modelId(MODEL)
                .snapshotsFromAnnouncements().pollTimeout(Duration.ofMillis(100)).build().start()) {
            assertThat(replica.awaitVersion(log.size(), Duration.ofSeconds(60))).isTrue();
        }
    }

    /** Whether the job is over (a per-job MiniCluster shuts down with its job). */
    private static boolean ended(JobClient job) {
        try {
            return job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState();
        } catch (Exception e) { // IllegalStateException once its MiniCluster is down
            return true;
        }
    }

    private static StreamExecutionEnvironment env(Path snapshots, String suffix, String transactionalIdPrefix,
            boolean dataParallel) {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, 10);
        trainer.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, 5);
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        StreamingSettings settings = StreamingSettings.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).eventsTopic(EVENTS + suffix).updatesTopic(UPDATES + suffix)
                .deadLetterTopic(DEAD_LETTERS + suffix).consumerGroup("fenced-trainer" + suffix)
                .transactionalIdPrefix(transactionalIdPrefix).dataParallelModels(dataParallel ? List.of(MODEL) : List.of())
                .modelSpec("mlp:" + FEATURES + "x6x" + CLASSES + ":relu").trainer(trainer)
                .checkpointInterval(Duration.ofMillis(300)).bounded(false).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(dataParallel ? 2 : 1);
        StreamingPipeline.build(env, settings);
        return env;
    }

    private static List<UpdateRecord> records(String updates) {
        return StreamingItSupport.updateRecords(StreamingItSupport.readUpdatesTopic(kafka, registry, updates));
    }

    private static void awaitSteps(String updates, int steps, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records(updates).size() < steps) {
            assertThat(System.nanoTime()).as("%d committed steps within %s", steps, timeout).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void produce(Random random, int n, String events) throws Exception {
        StreamingItSupport.produceEvents(kafka, registry, events, MODEL, random, n, FEATURES, CLASSES);
    }
}
