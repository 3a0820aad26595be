package io.seedflow.jobs.cli;

import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.replica.ModelListener;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.connectors.replica.SnapshotSource;
import io.seedflow.jobs.serving.PredictionServer;
import io.seedflow.jobs.serving.ServerOptions;
import io.seedflow.jobs.serving.ServingMetrics;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.jobs.serving.StoreSnapshotSource;
import io.seedflow.jobs.serving.SubscriberModel;
import io.seedflow.operators.FileSystemSnapshotStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.seedflow.core.settings.JobSettings;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code seedflow replica}: follows a model's updates topic ({@link ModelUpdateSubscriber}) and serves predictions
 * over HTTP ({@link PredictionServer}) until the process is stopped; a shutdown hook closes the server, then the
 * subscriber.
 */
@Command(name = "replica", mixinStandardHelpOptions = true, modelTransformer = SettingFlags.Transformer.class,
        description = "Follow a model's updates topic and serve predictions over HTTP until stopped (SIGTERM, Ctrl-C).")
public final class ReplicaCommand implements Callable<Integer>, SettingFlags.Holder {
    @Mixin
    KafkaRegistryOptions kafka = new KafkaRegistryOptions();

    /** The settings the replica shares with the job: the updates topic. */
    static final SettingFlags FLAGS = SettingFlags.of(List.of(JobSettings.UPDATES_TOPIC));

    @Override
    public SettingFlags settingFlags() {
        return FLAGS;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model-id", required = true, description = "Id of the model to follow and serve.")
    String modelId;

    @Option(names = "--snapshot-dir", paramLabel = "URI",
            description = "The trainer's snapshot store to bootstrap from, the same URI as its --snapshot-dir: "
                    + "s3://bucket/path, file:///dir or a local folder (default: the snapshots the trainer announces "
                    + "on the updates topic).")
    String snapshotDir;

    @Option(names = "--verify-key", paramLabel = "FILE",
            description = "The trainer's Ed25519 public key (PEM, from `openssl pkey -pubout`): apply only what the "
                    + "trainer signed (docs/update-log-spec.md §10) and refuse the rest, serving the last verified "
                    + "version. Bootstraps from the signed announcements on the topic (not with --snapshot-dir).")
    Path verifyKey;

    @Mixin
    ObjectStoreOptions objectStore = new ObjectStoreOptions();

    @Option(names = "--bootstrap-timeout", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long to wait for a first snapshot, e.g. when started before the trainer (default ${DEFAULT-VALUE}).")
    java.time.Duration bootstrapTimeout;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = ServerOptions.DEFAULT_BIND_ADDRESS,
            description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--threads", defaultValue = "4", description = "Request threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-body-bytes", defaultValue = "4194304",
            description = "Largest request body accepted (default ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--status-interval", defaultValue = "10",
            description = "Seconds between status lines (default ${DEFAULT-VALUE}).")
    int statusInterval;

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka consumer setting (security etc.), repeatable.")
    Map<String, String> consumerProperties = new LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        String updatesTopic = FLAGS.read(spec).get(JobSettings.UPDATES_TOPIC);
        if (statusInterval < 1) {
            throw new IllegalArgumentException("--status-interval: expected at least 1 second, got " + statusInterval);
        }
        if (snapshotDir != null && isLocal(snapshotDir) && !Files.isDirectory(localPath(snapshotDir))) {
            throw new IllegalArgumentException("--snapshot-dir: '" + snapshotDir + "' is not a directory; expected "
                    + "the folder the trainer writes <sha256>.safetensors snapshots to");
        }
        if (verifyKey != null && snapshotDir != null) {
            throw new IllegalArgumentException("--verify-key: a replica that verifies the log bootstraps from the "
                    + "signed announcements on the updates topic; leave out --snapshot-dir '" + snapshotDir + "'");
        }
        PublicKey trainerKey = verifyKey == null ? null : LogSignatures.readPublicKey("--verify-key", verifyKey);
        // snapshots (given or announced) may live in object storage: Flink's file systems, S3 plugin included
        objectStore.initializeFileSystems();
        RegistryClientOptions registry = kafka.registry();
        String bootstrapServers = kafka.bootstrapServers();
        ServerOptions serverOptions = new ServerOptions(bind, port, threads, maxBodyBytes,
                ServerOptions.DEFAULT_SHUTDOWN_GRACE);
        ServingMetrics metrics = new ServingMetrics();
        ModelUpdateSubscriber.Builder b = ModelUpdateSubscriber.builder().bootstrapServers(bootstrapServers)
                .registry(registry).updatesTopic(updatesTopic).modelId(modelId)
                .bootstrapTimeout(bootstrapTimeout)
                .listener(new ConsoleListener()).listener(metrics);
        String snapshots = snapshotSource(b, snapshotDir);
        b.verifyKey(trainerKey);
        consumerProperties.forEach(b::consumerProperty);
        ModelUpdateSubscriber subscriber = b.build().start();
        PredictionServer server;
        try {
            server = PredictionServer.start(new SubscriberModel(subscriber, "updates topic '" + updatesTopic + "' on "
                    + bootstrapServers + " with snapshots from " + snapshots), serverOptions, metrics);
        } catch (RuntimeException e) {
            closeQuietly(subscriber);
            throw e;
        }
        System.out.printf("replica: model '%s' from topic '%s' on %s, snapshots in %s%n", modelId, updatesTopic,
                bootstrapServers, snapshots);
        System.out.printf("replica: serving on http://%s:%d (POST /v1/predict, GET /v1/model, /health, /ready; the "
                + "Open Inference Protocol v2 as model '%s' under /v2; Prometheus metrics on /metrics); stop with "
                + "Ctrl-C or SIGTERM%n", bind, server.port(), modelId);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("replica: stopping");
            server.close();
            closeQuietly(subscriber);
            stopped.countDown();
        }, "seedflow-replica-shutdown"));
        while (!stopped.await(statusInterval, TimeUnit.SECONDS)) {
            System.out.println(statusLine(subscriber, server));
        }
        return 0;
    }

    /**
     * Where the replica finds snapshots to (re-)bootstrap from: the announcements on the updates topic (production),
     * or a local folder when one is given. Returns a description for messages.
     */
    static String snapshotSource(ModelUpdateSubscriber.Builder b, String dir) {
        if (dir == null) {
            b.snapshotsFromAnnouncements();
            return "the announcements on the updates topic";
        }
        FileSystemSnapshotStore store = new FileSystemSnapshotStore(dir);
        store.checkReachable(); // wrong credentials, bucket or endpoint: stop here, naming the URI
        SnapshotSource source = new StoreSnapshotSource(store);
        b.snapshotSource(source);
        return source.location();
    }

    private static boolean isLocal(String dir) {
        String scheme = dir.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? URI.create(dir).getScheme() : null;
        return scheme == null || scheme.equals("file");
    }

    private static Path localPath(String dir) {
        return dir.startsWith("file:") ? Path.of(URI.create(dir)) : Path.of(dir);
    }

    private static String statusLine(ModelUpdateSubscriber subscriber, PredictionServer server) {
        String state = subscriber.isRunning() ? "following"
                : "STOPPED (" + subscriber.error().map(e -> e.getClass().getSimpleName() + ": " + e.getMessage())
                        .orElse("closed") + ")";
        return String.format("%s replica: model '%s' version %d, %d prediction requests (%d examples), %d errors, %s",
                LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), subscriber.modelId(),
                subscriber.version(), server.predictRequests(), server.predictions(), server.errors(), state);
    }

    private static void closeQuietly(ModelUpdateSubscriber subscriber) {
        try {
            subscriber.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // already reported by ConsoleListener.onError
        }
    }

    /** Reports bootstraps and the error that stops the subscriber. */
    private static final class ConsoleListener implements ModelListener {
        @Override
        public void onBootstrap(long step, String snapshotId) {
            System.out.printf("replica: bootstrapped from snapshot %s at step %d%n", snapshotId, step);
        }

        @Override
        public void onRolledBack(io.seedflow.core.log.ModelRollback r) {
            System.out.printf("replica: rolled back at step %d to the weights of version %d (steps %d..%d undone%s)%n",
                    r.step(), r.toVersion(), r.firstUndone(), r.step() - 1, r.reason().isEmpty() ? ""
                            : ": " + r.reason());
        }

        @Override
        public void onError(Exception error) {
            System.err.printf("replica: stopped following the updates topic: %s: %s; predictions keep the version "
                    + "reached (503 if none), /health answers 503%n", error.getClass().getSimpleName(),
                    error.getMessage());
        }
    }
}
