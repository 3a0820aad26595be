package io.seedflow.jobs.embedded;

import io.seedflow.core.settings.JobSettings;
import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code seedflow demo}: the whole system in one JVM. A real Kafka broker ({@link EmbeddedKafkaBroker}), the
 * loopback schema registry, a local Flink cluster with its web dashboard ({@link LocalFlinkCluster}) running the
 * streaming training job ({@link StreamingPipeline}), a producer streaming Fashion-MNIST at a set rate with poison
 * records mixed in ({@link LabeledEventProducer}), and a replica ({@link ModelUpdateSubscriber}) that follows
 * the updates topic and is evaluated on a holdout set read from Kafka ({@link HoldoutTopic}). A status line every
 * couple of seconds shows what each part is doing ({@link DemoStatus}).
 *
 * <p>Lifecycle: {@link #start} brings everything up (the broker, the registry and the dashboard on the set ports, any
 * free one for 0; it prints where the broker and the registry are, so a replica outside can follow), {@link #run}
 * prints status until the duration is over or {@link #requestStop()} is called, and {@link #close()} samples a
 * final status ({@link #lastStatus()}, {@link #summary()}) and stops everything in reverse order of starting.
 */
public final class StreamingDemo implements AutoCloseable {
    static final String EVENTS = JobSettings.DEFAULT_EVENTS_TOPIC;
    static final String UPDATES = JobSettings.DEFAULT_UPDATES_TOPIC;
    static final String DEAD_LETTERS = JobSettings.DEFAULT_DEAD_LETTER_TOPIC;
    static final String HOLDOUT = "seedflow-holdout";
    private static final String WEB_PORT_HINT = "pass --web-port with a free port, or --web-port 0 for any free one";

    private final DemoSettings settings;
    private final PrintStream out;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final long startNanos = System.nanoTime();
    private final DemoResources resources = new DemoResources();
    private final Mlp model;
    private int webPort;
    private String bootstrapServers;
    private RegistryClientOptions registry;
    private LabeledDataset holdout;
    private JobClient job;
    private LabeledEventProducer producer;
    private PipelineMonitor monitor;
    private ModelUpdateSubscriber replica;
    private long producerStartNanos;
    private DemoStatus last;
    private double firstAccuracy = Double.NaN;
    private long firstEvaluatedVersion = -1;
    private boolean closed;

    private StreamingDemo(DemoSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.model = new Mlp(settings.modelSpec());
    }

    /** Starts every part; on failure, stops what was started and rethrows. */
    public static StreamingDemo start(DemoSettings settings, PrintStream out) throws Exception {
        StreamingDemo demo = new StreamingDemo(settings, out);
        try {
            demo.startAll();
        } catch (Exception | Error e) {
            demo.resources.closeQuietly(e);
            throw e;
        }
        return demo;
    }

    private void startAll() throws Exception {
        webPort = settings.webPort() == 0 ? LocalFlinkCluster.freeLoopbackPort() : settings.webPort();
        LocalFlinkCluster.requireFree(webPort, WEB_PORT_HINT); // before anything slow starts
        // locked before anything else touches it; released last, after the broker has closed its files
        RunDirectory run = resources.add("run directory lock", RunDirectory.prepare(settings.runDir()));
        LabeledDataset train = FashionMnist.train(settings.dataDir());
        LabeledDataset test = FashionMnist.test(settings.dataDir());

        EmbeddedKafkaBroker broker = resources.add("Kafka broker", EmbeddedKafkaBroker.start(settings.kafkaPort(),
                run.kafkaDir(), "pass --kafka-port with a free port, or --kafka-port 0 for any free one"));
        EmbeddedSchemaRegistry registryServer = resources.add("schema registry", EmbeddedSchemaRegistry.builder()
                .port(settings.registryPort())
                .portHint("pass --registry-port with a free port, or --registry-port 0 for any free one").start());
        bootstrapServers = broker.bootstrapServers();
        registry = registryServer.clientOptions(null);
        broker.createTopics(List.of(EVENTS, UPDATES, DEAD_LETTERS, HOLDOUT), 1);
        out.printf("Kafka broker %s, schema registry %s, topics %s%n", bootstrapServers,
                registryServer.url(), List.of(EVENTS, UPDATES, DEAD_LETTERS, HOLDOUT));
        out.printf("follow the model from another terminal: ./seedflow replica --bootstrap-servers %s "
                + "--registry-url %s --model-id %s --port 8080%n", bootstrapServers, registryServer.url(),
                DemoSettings.MODEL_ID);

        HoldoutTopic.produce(bootstrapServers, registry, HOLDOUT, DemoSettings.MODEL_ID, test,
                settings.holdoutSize());
        holdout = HoldoutTopic.read(bootstrapServers, registry, HOLDOUT, FashionMnist.FEATURES,
                FashionMnist.CLASSES, Duration.ofSeconds(30));

        StreamExecutionEnvironment env = LocalFlinkCluster.createEnvironment(webPort, run.checkpointDir(),
                WEB_PORT_HINT);
        StreamingPipeline.build(env, pipelineSettings(run.snapshotDir()));
        job = env.executeAsync("seedflow streaming demo");
        resources.onClose("Flink job", this::cancelJob);
        out.printf("Flink job %s submitted; dashboard: %s%n", job.getJobID(), webUrl());

        producerStartNanos = System.nanoTime();
        producer = resources.add("event producer", LabeledEventProducer.start(
                new LabeledEventProducer.Settings(bootstrapServers, registry, EVENTS,
                        LabeledEventSource.shuffled(train, DemoSettings.MODEL_ID, 0, DemoSettings.SEED),
                        settings.eventsPerSecond(), settings.poisonEvery(), "seedflow-demo-producer")));
        monitor = resources.add("pipeline monitor", PipelineMonitor.start(bootstrapServers, registry,
                UPDATES, DEAD_LETTERS, DemoSettings.MODEL_ID));
        resources.onClose("replica", () -> {
            if (replica != null) {
                replica.close();
            }
        });
        out.printf("streaming Fashion-MNIST at %s events/s, batch %d, learning rate %s, one poison record every %s"
                + " events; replica evaluated on %d test images from topic %s%n",
                settings.eventsPerSecond() == 0 ? "max" : String.format("%,.0f", settings.eventsPerSecond()),
                settings.batchSize(), plain(settings.learningRate()),
                settings.poisonEvery() == 0 ? "(never)" : String.format("%,d", settings.poisonEvery()),
                holdout.count(), HOLDOUT);
    }

    private StreamingSettings pipelineSettings(Path snapshotDir) {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, settings.batchSize());
        trainer.set(ZoTrainerOptions.LEARNING_RATE, settings.learningRate());
        trainer.set(ZoTrainerOptions.EPSILON, DemoSettings.EPSILON);
        trainer.set(ZoTrainerOptions.SCHEDULE, LearningRateSchedule.CONSTANT); // a stream has no planned end
        trainer.set(ZoTrainerOptions.RUN_SEED, DemoSettings.SEED);
        trainer.set(ZoTrainerOptions.MODEL_INIT_SEED, DemoSettings.SEED);
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshotDir.toAbsolutePath().toUri().toString());
        trainer.set(ZoTrainerOptions.HOLDOUT_SIZE, settings.holdoutSize());
        return StreamingSettings.builder()
                .bootstrapServers(bootstrapServers).registry(registry)
                .eventsTopic(EVENTS).updatesTopic(UPDATES).deadLetterTopic(DEAD_LETTERS).holdoutTopic(HOLDOUT)
                .consumerGroup("seedflow-demo-trainer").transactionalIdPrefix("seedflow-demo")
                .modelSpec(DemoSettings.MODEL_SPEC).trainer(trainer)
                .checkpointInterval(settings.checkpointInterval())
                .build();
    }

    /** Prints a status line every report interval until the duration is over or a stop is requested. */
    public void run() throws InterruptedException {
        out.println(DemoStatus.header());
        long end = settings.duration().isZero() ? Long.MAX_VALUE
                : startNanos + settings.duration().toNanos();
        long interval = settings.reportInterval().toNanos();
        long next = System.nanoTime() + interval;
        while (true) {
            long wait = Math.min(next, end) - System.nanoTime();
            if (wait > 0 && stopRequested.await(wait, TimeUnit.NANOSECONDS)) {
                break;
            }
            if (System.nanoTime() >= end) {
                break;
            }
            next = Math.max(next + interval, System.nanoTime() + interval / 2); // no bursts after a slow sample
            DemoStatus s = sample();
            out.println(s.line());
            if (s.failure() != null) {
                out.println("seedflow demo: stopping: " + s.failure());
                break;
            }
        }
    }

    /** Makes {@link #run()} return soon (from another thread, e.g. a Ctrl-C hook). */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** The current status, including a fresh evaluation of the replica's weights. */
    public DemoStatus sample() {
        startReplicaOnceSnapshotExists();
        long version = replica == null ? -1 : replica.version();
        double accuracy = Double.NaN;
        if (replica != null) {
            Optional<ParameterSet> weights = replica.weights();
            if (weights.isPresent()) {
                Evaluation e = model.evaluate(weights.get(), holdout.features(), holdout.labels(), holdout.count(),
                        500);
                accuracy = e.accuracy();
                if (Double.isNaN(firstAccuracy)) {
                    firstAccuracy = accuracy;
                    firstEvaluatedVersion = version;
                }
            }
        }
        OptionalLong eventAgeMillis = OptionalLong.empty();
        Optional<PipelineMonitor.StepInfo> step = version < 1 ? Optional.empty() : monitor.step(version);
        if (step.isPresent()) {
            OptionalLong sent = producer.sendTimeOf(step.get().lastEventOffset());
            if (sent.isPresent()) {
                eventAgeMillis = OptionalLong.of(System.currentTimeMillis() - sent.getAsLong());
            }
        }
        last = new DemoStatus(Duration.ofNanos(System.nanoTime() - startNanos), producer.produced(),
                producer.poisonSent(), monitor.deadLettered(), monitor.trainerStep(), version, eventAgeMillis,
                accuracy, jobStatus(), failure());
        return last;
    }

    private void startReplicaOnceSnapshotExists() {
        if (replica == null) {
            // bootstraps from the snapshots the trainer announces on the updates topic (the base snapshot is
            // announced with the trainer's first event), like any replica outside this process
            replica = ModelUpdateSubscriber.builder()
                    .bootstrapServers(bootstrapServers).registry(registry).updatesTopic(UPDATES)
                    .modelId(DemoSettings.MODEL_ID).snapshotsFromAnnouncements()
                    .bootstrapTimeout(Duration.ofMinutes(5)).build().start();
        }
    }

    private String failure() {
        try {
            producer.checkError();
            if (replica != null) {
                replica.checkError();
            }
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        JobStatus s = jobStatus();
        return s != null && s.isGloballyTerminalState() ? "the Flink job is " + s : null;
    }

    private JobStatus jobStatus() {
        try {
            return job.getJobStatus().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null; // the cluster is gone or busy; the status line shows "?"
        }
    }

    /** Cancels the job and waits until it has ended and its local cluster (and dashboard) has shut down. */
    private void cancelJob() throws Exception {
        JobStatus s = jobStatus();
        if (s != null && !s.isGloballyTerminalState()) {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
        try {
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS); // completes once the cluster has closed
        } catch (ExecutionException expected) {
            // a cancelled (or earlier failed) job has no result; the status line already told why
        }
    }

    public int webPort() {
        return webPort;
    }

    public String webUrl() {
        return "http://localhost:" + webPort;
    }

    public JobID jobId() {
        return job.getJobID();
    }

    /** Holdout accuracy of the replica at its first evaluation (right after it bootstrapped), NaN before that. */
    public double firstAccuracy() {
        return firstAccuracy;
    }

    /**
     * Samples a last status ({@link #lastStatus()}), then closes the replica and the monitor, stops the producer,
     * cancels the job and closes the registry and the broker, in that order; idempotent.
     *
     * @throws Exception the first error raised while closing, the others suppressed in it
     */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        if (producer != null && monitor != null) {
            sample();
        }
        resources.close();
    }

    /** The status sampled last (at the latest when closing began), or null if none was. */
    public DemoStatus lastStatus() {
        return last;
    }

    /** Dead letters by reason, as the monitor counted them (also after close). */
    public Map<String, Long> deadLettersByReason() {
        return monitor == null ? Map.of() : monitor.deadLettersByReason();
    }

    /** A few lines on how the run went, from the last status. */
    public String summary() {
        DemoStatus s = last;
        if (s == null) {
            return "seedflow demo: no status was sampled";
        }
        // rates over the time the producer ran, up to the last sample
        double seconds = Math.max(1e-3, (s.elapsed().toNanos() - (producerStartNanos - startNanos)) / 1e9);
        String nl = System.lineSeparator();
        return String.format("seedflow demo: ran %s" + nl
                + "  events:  %,d produced (%,.0f/s on average), %,d poison records sent, %,d dead-lettered %s" + nl
                + "  trainer: step %,d (batch %d, learning rate %s, %,.1f steps/s)" + nl
                + "  replica: version %,d (lag %,d steps); holdout accuracy %s on %,d test images (%s at version %,d)",
                s.elapsedText(), s.eventsProduced(), s.eventsProduced() / seconds, s.poisonSent(),
                s.deadLettered(), deadLettersByReason(), Math.max(0, s.trainerStep()), settings.batchSize(),
                plain(settings.learningRate()), Math.max(0, s.trainerStep()) / seconds, s.replicaVersion(),
                s.lagSteps(),
                percent(s.holdoutAccuracy()), holdout == null ? 0 : holdout.count(), percent(firstAccuracy),
                firstEvaluatedVersion);
    }

    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String percent(double accuracy) {
        return Double.isNaN(accuracy) ? "n/a" : String.format("%.1f%%", 100 * accuracy);
    }
}
