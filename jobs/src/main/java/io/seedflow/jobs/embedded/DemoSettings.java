package io.seedflow.jobs.embedded;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.core.model.MlpSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link StreamingDemo}, validated on construction; {@link #defaults()} holds the recipe that
 * visibly learns within the default three minutes on a 2-core machine (see docs/benchmarks.md).
 *
 * @param eventsPerSecond target rate of valid training events, 0 = as fast as possible
 * @param duration how long to run, {@link Duration#ZERO} = until stopped (Ctrl-C)
 * @param batchSize examples per ZO step
 * @param learningRate ZO-SGD learning rate (constant schedule)
 * @param webPort Flink dashboard port, 0 = any free port
 * @param kafkaPort the broker's client port on localhost, 0 = any free port
 * @param registryPort the schema registry's port on 127.0.0.1, 0 = any free port
 * @param runDir where checkpoints, snapshots and the broker's logs go
 * @param poisonEvery one poison record after every this many valid events, 0 = none
 * @param holdoutSize test images the replica is evaluated on
 * @param checkpointInterval how often Flink checkpoints, and so how often the trainer's updates are committed
 * @param reportInterval how often the status line is printed
 * @param dataDir the Fashion-MNIST IDX files
 */
public record DemoSettings(double eventsPerSecond, Duration duration, int batchSize, double learningRate,
        int webPort, int kafkaPort, int registryPort, Path runDir, long poisonEvery, int holdoutSize,
        Duration checkpointInterval, Duration reportInterval, Path dataDir) {
    public static final String MODEL_ID = "fashion-mnist-mlp";
    public static final String MODEL_SPEC = "mlp:784x64x10:relu";
    public static final float EPSILON = 1e-3f;
    public static final long SEED = 1;
    public static final double DEFAULT_RATE = 2000;
    public static final Duration DEFAULT_DURATION = Duration.ofMinutes(3);
    public static final long DEFAULT_POISON_EVERY = 1000;
    public static final int DEFAULT_HOLDOUT_SIZE = 2000;
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_REPORT_INTERVAL = Duration.ofSeconds(2);
    /** Kafka's usual client port; the README's replica example reaches the demo's broker there. */
    public static final int DEFAULT_KAFKA_PORT = 9092;
    /**
     * The schema registry's port: not Confluent's usual 8081, which is Flink's dashboard; the README's replica example
     * and {@code seedflow registry} use it too.
     */
    public static final int DEFAULT_REGISTRY_PORT = 8085;

    public DemoSettings {
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(dataDir, "dataDir");
        if (!(eventsPerSecond >= 0) || Double.isInfinite(eventsPerSecond)) {
            throw new InvalidConfigurationException("rate", eventsPerSecond, "events per second >= 0 (0 = no limit)");
        }
        if (duration == null || duration.isNegative()) {
            throw new InvalidConfigurationException("duration", duration, ">= 0 (0 = until Ctrl-C)");
        }
        TrainerSettings.BATCH_SIZE.check(batchSize);
        TrainerSettings.LEARNING_RATE.check(learningRate);
        if (webPort < 0 || webPort > 65_535) {
            throw new InvalidConfigurationException("web-port", webPort, "0 (any free port) or 1..65535");
        }
        requirePort("kafka-port", kafkaPort);
        requirePort("registry-port", registryPort);
        if (poisonEvery < 0) {
            throw new InvalidConfigurationException("poison-every", poisonEvery, ">= 0 (0 = no poison records)");
        }
        if (holdoutSize < 1 || holdoutSize > 10_000) {
            throw new InvalidConfigurationException("holdout-size", holdoutSize, "1..10000 (the test split's size)");
        }
        if (checkpointInterval == null || checkpointInterval.toMillis() < 100) {
            throw new InvalidConfigurationException("checkpoint-interval", checkpointInterval, ">= 100 ms");
        }
        if (reportInterval == null || reportInterval.toMillis() < 100) {
            throw new InvalidConfigurationException("report-interval", reportInterval, ">= 100 ms");
        }
    }

    private static void requirePort(String flag, int port) {
        if (port < 0 || port > 65_535) {
            throw new InvalidConfigurationException(flag, port, "0 (any free port) or 1..65535");
        }
    }

    /** The defaults, with Fashion-MNIST in {@code dataDir}. */
    public static DemoSettings defaults(Path dataDir) {
        return new DemoSettings(DEFAULT_RATE, DEFAULT_DURATION, TrainerSettings.BATCH_SIZE.defaultValue().orElseThrow(),
                TrainerSettings.LEARNING_RATE.defaultValue().orElseThrow(),
                LocalFlinkCluster.DEFAULT_WEB_PORT, DEFAULT_KAFKA_PORT, DEFAULT_REGISTRY_PORT,
                Path.of("runs", "streaming-demo"), DEFAULT_POISON_EVERY, DEFAULT_HOLDOUT_SIZE,
                DEFAULT_CHECKPOINT_INTERVAL, DEFAULT_REPORT_INTERVAL, dataDir);
    }

    public MlpSpec modelSpec() {
        return MlpSpec.parse(MODEL_SPEC);
    }

    public DemoSettings withDuration(Duration d) {
        return new DemoSettings(eventsPerSecond, d, batchSize, learningRate, webPort, kafkaPort, registryPort, runDir,
                poisonEvery, holdoutSize, checkpointInterval, reportInterval, dataDir);
    }

    public DemoSettings withWebPort(int port) {
        return new DemoSettings(eventsPerSecond, duration, batchSize, learningRate, port, kafkaPort, registryPort,
                runDir, poisonEvery, holdoutSize, checkpointInterval, reportInterval, dataDir);
    }

    /** These settings with the broker and the registry on {@code kafka} and {@code registry}, 0 = any free port. */
    public DemoSettings withPorts(int kafka, int registry) {
        return new DemoSettings(eventsPerSecond, duration, batchSize, learningRate, webPort, kafka, registry, runDir,
                poisonEvery, holdoutSize, checkpointInterval, reportInterval, dataDir);
    }

    public DemoSettings withRunDir(Path dir) {
        return new DemoSettings(eventsPerSecond, duration, batchSize, learningRate, webPort, kafkaPort, registryPort,
                dir, poisonEvery, holdoutSize, checkpointInterval, reportInterval, dataDir);
    }
}
