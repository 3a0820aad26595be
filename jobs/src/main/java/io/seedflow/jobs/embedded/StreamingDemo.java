package io.seedflow.jobs.embedded;

import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * streaming training job ({@link StreamingPipeline}), a producer streaming a {@link DemoDataset} at a set rate with
 * poison records mixed in ({@link LabeledEventProducer}), and a replica ({@link ModelUpdateSubscriber}) that follows
 * the updates topic. The data set decides how the model is scored: Fashion-MNIST evaluates the replica on a holdout
 * set read from Kafka ({@link HoldoutTopic}); the SpamAssassin mails are scored by the trainer itself, test-then-train,
 * read from its Flink metrics ({@link TrainerMetricsClient}), and end in a learning curve against the frozen starting
 * model ({@link PrequentialCurve}). A status line every couple of seconds shows what each part is doing
 * ({@link DemoStatus}).
 *
 * <p>Lifecycle: {@link #start} brings everything up (the broker, the registry and the dashboard on the set ports, any
 * free one for 0; it prints where the broker and the registry are, so a replica outside can follow), {@link #run}
 * prints status until the duration is over, the stream is over (a data set streamed once, every event trained or
 * dead-lettered) or {@link #requestStop()} is called, and {@link #close()} samples a final status
 * ({@link #lastStatus()}, {@link #summary()}), stops everything in reverse order of starting and writes the learning
 * curve into the run directory.
 */
public final class StreamingDemo implements AutoCloseable {
    static final String EVENTS = JobSettings.DEFAULT_EVENTS_TOPIC;
    static final String UPDATES = JobSettings.DEFAULT_UPDATES_TOPIC;
    static final String DEAD_LETTERS = JobSettings.DEFAULT_DEAD_LETTER_TOPIC;
    static final String HOLDOUT = "seedflow-holdout";
    static final String CURVE_CSV = "learning-curve.csv";
    static final String CURVE_PNG = "learning-curve.png";
    private static final String WEB_PORT_HINT = "pass --web-port with a free port, or --web-port 0 for any free one";
    /** How long closing waits for the replica to reach the trainer's last step once the stream is over. */
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    private final DemoSettings settings;
    private final DemoDataset dataset;
    private final ModelSpec spec;
    private final PrintStream out;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final long startNanos = System.nanoTime();
    private final DemoResources resources = new DemoResources();
    private final PrequentialCurve curve = new PrequentialCurve();
    private final int maxTextChars = JobSettings.MAX_TEXT_CHARS.defaultValue().orElseThrow();
    private final int prequentialWindow = TrainerSettings.PREQUENTIAL_WINDOW.defaultValue().orElseThrow();
    private Model model; // evaluates the replica on the holdout set
    private int webPort;
    private String bootstrapServers;
    private RegistryClientOptions registry;
    private RunDirectory run;
    private LabeledDataset holdout; // null: scored prequentially
    private JobClient job;
    private TrainerMetricsClient trainerMetrics;
    private LabeledEventProducer producer;
    private PipelineMonitor monitor;
    private ModelUpdateSubscriber replica;
    private long producerStartNanos;
    private DemoStatus last;
    private double firstAccuracy = Double.NaN;
    private long firstEvaluatedVersion = -1;
    private String replicaWeights;
    private final List<String> closingNotes = new ArrayList<>();
    private PrequentialCurve.Result curveResult;
    private boolean closed;

    private StreamingDemo(DemoSettings settings, PrintStream out) {
        this.settings = settings;
        this.dataset = settings.dataset();
        this.spec = settings.model();
        this.out = out;
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
        run = resources.add("run directory lock", RunDirectory.prepare(settings.runDir()));
        // drawn once the job, the broker and the replica have stopped, so the scoring has the CPU to itself
        resources.onClose("learning curve", this::writeLearningCurve);
        LabeledEventSource events = dataset.events(settings.dataDir(), settings.eventLimit());
        holdout = dataset.holdout(settings.dataDir()).orElse(null);

        EmbeddedKafkaBroker broker = resources.add("Kafka broker", EmbeddedKafkaBroker.start(settings.kafkaPort(),
                run.kafkaDir(), "pass --kafka-port with a free port, or --kafka-port 0 for any free one"));
        EmbeddedSchemaRegistry registryServer = resources.add("schema registry", EmbeddedSchemaRegistry.builder()
                .port(settings.registryPort())
                .portHint("pass --registry-port with a free port, or --registry-port 0 for any free one").start());
        bootstrapServers = broker.bootstrapServers();
        registry = registryServer.clientOptions(null);
        List<String> topics = holdout == null ? List.of(EVENTS, UPDATES, DEAD_LETTERS)
                : List.of(EVENTS, UPDATES, DEAD_LETTERS, HOLDOUT);
        broker.createTopics(topics, 1);
        out.printf("Kafka broker %s, schema registry %s, topics %s%n", bootstrapServers, registryServer.url(), topics);
        out.printf("follow the model from another terminal: ./seedflow replica --bootstrap-servers %s "
                + "--registry-url %s --model-id %s --port 8080%n", bootstrapServers, registryServer.url(),
                dataset.modelId());

        if (holdout != null) {
            HoldoutTopic.produce(bootstrapServers, registry, HOLDOUT, dataset.modelId(), holdout,
                    settings.holdoutSize());
            holdout = HoldoutTopic.read(bootstrapServers, registry, HOLDOUT, spec.inputWidth(), spec.classes(),
                    Duration.ofSeconds(30));
            model = spec.newModel();
        }

        StreamExecutionEnvironment env = LocalFlinkCluster.createEnvironment(webPort, run.checkpointDir(),
                WEB_PORT_HINT);
        StreamingPipeline.build(env, pipelineSettings(run.snapshotDir()));
        job = env.executeAsync("seedflow streaming demo (" + dataset.name() + ")");
        resources.onClose("Flink job", this::cancelJob);
        trainerMetrics = new TrainerMetricsClient(webUrl(), job.getJobID().toString());
        out.printf("Flink job %s submitted; dashboard: %s%n", job.getJobID(), webUrl());

        producerStartNanos = System.nanoTime();
        producer = resources.add("event producer", LabeledEventProducer.start(
                new LabeledEventProducer.Settings(bootstrapServers, registry, EVENTS, events,
                        settings.eventsPerSecond(), settings.poisonEvery(), dataset.poisonKinds(), maxTextChars,
                        "seedflow-demo-producer")));
        monitor = resources.add("pipeline monitor", PipelineMonitor.start(bootstrapServers, registry,
                UPDATES, DEAD_LETTERS, dataset.modelId()));
        resources.onClose("replica", () -> {
            if (replica != null) {
                replica.close();
            }
        });
        out.printf("streaming %s: %s at %s events/s, model %s, batch %d, learning rate %s%s, one poison record every "
                + "%s events; %s%n", dataset.describe(), events.describe(),
                settings.eventsPerSecond() == 0 ? "max" : String.format("%,.0f", settings.eventsPerSecond()),
                spec.toText(), settings.batchSize(), plain(settings.learningRate()),
                settings.headLearningRate() > 0 ? ", exact head at " + plain(settings.headLearningRate()) : "",
                settings.poisonEvery() == 0 ? "(never)" : String.format("%,d", settings.poisonEvery()),
                holdout != null ? String.format("replica evaluated on %d test examples from topic %s",
                        holdout.count(), HOLDOUT)
                        : "each batch scored by the trainer before it trains on it (prequential, window "
                        + prequentialWindow + ")");
    }

    private StreamingSettings pipelineSettings(Path snapshotDir) {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, settings.batchSize());
        trainer.set(ZoTrainerOptions.LEARNING_RATE, settings.learningRate());
        trainer.set(ZoTrainerOptions.HEAD_LEARNING_RATE, settings.headLearningRate());
        trainer.set(ZoTrainerOptions.EPSILON, DemoSettings.EPSILON);
        trainer.set(ZoTrainerOptions.SCHEDULE, LearningRateSchedule.CONSTANT); // a stream has no planned end
        trainer.set(ZoTrainerOptions.RUN_SEED, DemoSettings.SEED);
        trainer.set(ZoTrainerOptions.MODEL_INIT_SEED, DemoSettings.SEED);
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshotDir.toAbsolutePath().toUri().toString());
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, settings.snapshotIntervalSteps());
        trainer.set(ZoTrainerOptions.HOLDOUT_SIZE, settings.holdoutSize());
        StreamingSettings.Builder b = StreamingSettings.builder()
                .bootstrapServers(bootstrapServers).registry(registry)
                .eventsTopic(EVENTS).updatesTopic(UPDATES).deadLetterTopic(DEAD_LETTERS)
                .consumerGroup("seedflow-demo-trainer").transactionalIdPrefix("seedflow-demo")
                .modelSpec(spec.toText()).maxTextChars(maxTextChars).trainer(trainer)
                .checkpointInterval(settings.checkpointInterval());
        if (holdout != null) {
            b.holdoutTopic(HOLDOUT);
        }
        return b.build();
    }

    /**
     * Prints a status line every report interval until the duration is over, the stream is over or a stop is
     * requested.
     */
    public void run() throws InterruptedException {
        out.println(DemoStatus.header(score()));
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
            if (streamIsOver(s)) {
                out.printf("seedflow demo: the stream is over: all %,d events sent were trained on or "
                        + "dead-lettered%n", s.eventsProduced() + s.poisonSent());
                break;
            }
        }
    }

    /** Whether the producer has sent every event of a finite stream and each was trained on or dead-lettered. */
    private boolean streamIsOver(DemoStatus s) {
        return producer.isDone() && s.eventsTrained() + s.deadLettered() >= s.eventsProduced() + s.poisonSent();
    }

    private DemoStatus.Score score() {
        return holdout != null ? DemoStatus.Score.HOLDOUT_ACCURACY : DemoStatus.Score.PREQUENTIAL;
    }

    /** Makes {@link #run()} return soon (from another thread, e.g. a Ctrl-C hook). */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** The current status, including a fresh evaluation of the replica's weights or the trainer's scores. */
    public DemoStatus sample() {
        startReplicaOnceSnapshotExists();
        long version = replica == null ? -1 : replica.version();
        double accuracy = holdout == null ? Double.NaN : evaluateReplica(version);
        double f1 = Double.NaN;
        double prequentialAccuracy = Double.NaN;
        if (holdout == null) {
            Optional<TrainerMetricsClient.Sample> m = trainerMetrics.read();
            if (m.isPresent()) {
                prequentialAccuracy = m.get().prequentialAccuracy();
                // before the first scored example the window's F1 reads 0; shown as "-" like the accuracy
                f1 = Double.isNaN(prequentialAccuracy) ? Double.NaN : m.get().prequentialF1();
                curve.add(m.get().eventsTrained(), f1, prequentialAccuracy);
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
                producer.poisonSent(), monitor.deadLettered(), monitor.eventsTrained(), monitor.trainerStep(),
                version, eventAgeMillis, score(), accuracy, f1, prequentialAccuracy, jobStatus(), failure());
        return last;
    }

    private double evaluateReplica(long version) {
        Optional<ParameterSet> weights = replica == null ? Optional.empty() : replica.weights();
        if (weights.isEmpty()) {
            return Double.NaN;
        }
        Evaluation e = model.evaluate(weights.get(), holdout, holdout.count(), 500);
        if (Double.isNaN(firstAccuracy)) {
            firstAccuracy = e.accuracy();
            firstEvaluatedVersion = version;
        }
        return e.accuracy();
    }

    private void startReplicaOnceSnapshotExists() {
        if (replica == null) {
            // bootstraps from the snapshots the trainer announces on the updates topic (the base snapshot is
            // announced with the trainer's first event), like any replica outside this process
            replica = ModelUpdateSubscriber.builder()
                    .bootstrapServers(bootstrapServers).registry(registry).updatesTopic(UPDATES)
                    .modelId(dataset.modelId()).snapshotsFromAnnouncements()
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

    /**
     * Once the stream is over, waits for the replica to apply the trainer's last step and notes its weights'
     * SHA-256, and whether it is the trainer's own (when the trainer announced a snapshot of that step).
     */
    private void noteReplicaWeights() throws InterruptedException {
        if (replica == null || !streamIsOver(last) || last.trainerStep() < 0) {
            return;
        }
        long step = last.trainerStep();
        if (!replica.awaitVersion(step, CATCH_UP)) {
            closingNotes.add(String.format("replica: did not reach the trainer's last step %,d within %d s",
                    step, CATCH_UP.toSeconds()));
            return;
        }
        sample(); // the last status with the replica caught up
        replicaWeights = replica.weightsSha256();
        Optional<SnapshotAnnouncement> trainers = monitor.announcement(step);
        if (step % settings.snapshotIntervalSteps() == 0) {
            // a snapshot step: its snapshot is stored asynchronously and announced with a later checkpoint
            for (long deadline = System.nanoTime() + CATCH_UP.toNanos(); trainers.isEmpty()
                    && System.nanoTime() < deadline; trainers = monitor.announcement(step)) {
                Thread.sleep(100);
            }
        }
        closingNotes.add(String.format("replica: weights SHA-256 %s at step %,d%s", replicaWeights, step,
                trainers.isEmpty() ? "" : replicaWeights.equals(trainers.get().weightsSha256)
                        ? " = the trainer's snapshot of that step" : " DIFFERS from the trainer's snapshot of that step ("
                        + trainers.get().weightsSha256 + ")"));
    }

    /** Scores the streamed examples with the base snapshot's weights and draws both curves (mails only). */
    private void writeLearningCurve() {
        if (monitor == null || curve.examples() == 0) {
            return;
        }
        Optional<SnapshotAnnouncement> base = monitor.announcement(0);
        Optional<LabeledDataset> streamed = base.isEmpty() ? Optional.empty()
                : dataset.streamed(settings.dataDir(), spec, maxTextChars, (int) curve.examples());
        if (streamed.isEmpty()) {
            return;
        }
        out.printf("learning curve: scoring the %,d mails trained on with the frozen starting model ...%n",
                streamed.get().count());
        ParameterSet frozen = SnapshotStore.read(Path.of(URI.create(base.get().uri)), base.get().sha256).parameters();
        curveResult = curve.write(spec.newModel(), frozen, streamed.get(), prequentialWindow,
                run.root().resolve(CURVE_CSV), run.root().resolve(CURVE_PNG), out);
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

    /** Where checkpoints, snapshots, the broker's logs and the learning curve are. */
    public Path runDir() {
        return run.root();
    }

    /** Where the trainer stores its snapshots (one per {@code snapshot-interval-steps}, and the base). */
    public Path snapshotDir() {
        return run.snapshotDir();
    }

    /** The learning curve's PNG, written by {@link #close()} for a data set that has one. */
    public Path learningCurvePng() {
        return run.root().resolve(CURVE_PNG);
    }

    /** The learning curve's end, once {@link #close()} drew it. */
    public Optional<PrequentialCurve.Result> learningCurve() {
        return Optional.ofNullable(curveResult);
    }

    /** The trainer's prequential scores as sampled along the stream (data sets scored prequentially). */
    public List<PrequentialCurve.Point> prequentialSamples() {
        return curve.points();
    }

    /** SHA-256 of the replica's weights at the trainer's last step, noted on close once the stream was over. */
    public Optional<String> replicaWeightsSha256() {
        return Optional.ofNullable(replicaWeights);
    }

    /**
     * Samples a last status ({@link #lastStatus()}), then (the stream being over) waits for the replica to reach the
     * trainer's last step, closes the replica and the monitor, stops the producer, cancels the job, closes the
     * registry and the broker, draws the learning curve and releases the run directory, in that order; idempotent.
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
            noteReplicaWeights();
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
        long untrained = s.eventsProduced() + s.poisonSent() - s.eventsTrained() - s.deadLettered();
        StringBuilder b = new StringBuilder(String.format("seedflow demo: ran %s (%s)" + nl
                + "  events:  %,d produced (%,.1f/s on average), %,d poison records sent, %,d dead-lettered %s" + nl
                + "           %,d trained on, %,d not (yet): %,d + %,d = %,d trained + %,d dead-lettered + %,d" + nl
                + "  trainer: step %,d (batch %d, learning rate %s%s, %,.2f steps/s)" + nl
                + "  replica: version %,d (lag %,d steps)",
                s.elapsedText(), dataset.name(), s.eventsProduced(), s.eventsProduced() / seconds, s.poisonSent(),
                s.deadLettered(), deadLettersByReason(), s.eventsTrained(), untrained, s.eventsProduced(),
                s.poisonSent(), s.eventsTrained(), s.deadLettered(), untrained, Math.max(0, s.trainerStep()),
                settings.batchSize(), plain(settings.learningRate()),
                settings.headLearningRate() > 0 ? ", head " + plain(settings.headLearningRate()) : "",
                Math.max(0, s.trainerStep()) / seconds, s.replicaVersion(), s.lagSteps()));
        if (holdout != null) {
            b.append(String.format("; holdout accuracy %s on %,d test examples (%s at version %,d)",
                    percent(s.holdoutAccuracy()), holdout.count(), percent(firstAccuracy), firstEvaluatedVersion));
        } else {
            b.append(nl).append(String.format("  prequential (test-then-train, newest %,d): F1 %s, accuracy %s",
                    prequentialWindow, fraction(s.prequentialF1()), percent(s.prequentialAccuracy())));
        }
        for (String note : closingNotes) {
            b.append(nl).append("  ").append(note);
        }
        if (curveResult != null) {
            PrequentialCurve.Result r = curveResult;
            b.append(nl).append(String.format("  frozen starting model on the same %,d mails: F1 %s, accuracy %s "
                    + "(newest %,d); F1 %s, accuracy %s over all", r.examples(), fraction(r.frozenF1()),
                    percent(r.frozenAccuracy()), prequentialWindow, fraction(r.frozenF1Total()),
                    percent(r.frozenAccuracyTotal())));
            b.append(nl).append("  learning curve: ").append(run.root().resolve(CURVE_PNG)).append(" (and ")
                    .append(CURVE_CSV).append(")");
        }
        return b.toString();
    }

    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String percent(double accuracy) {
        return Double.isNaN(accuracy) ? "n/a" : String.format("%.1f%%", 100 * accuracy);
    }

    private static String fraction(double v) {
        return Double.isNaN(v) ? "n/a" : String.format("%.3f", v);
    }
}
