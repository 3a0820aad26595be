package io.seedflow.jobs.embedded;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.TrainerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link StreamingDemo}, validated on construction. {@link #builder} starts from the data set's
 * {@link DemoRecipe} (the recipe that visibly learns within the default duration on a 2-core machine, see the README)
 * and the demo's defaults.
 *
 * @param dataset what is streamed
 * @param modelSpec the model (it must fit the data set)
 * @param batchSize examples per ZO step
 * @param learningRate ZO-SGD learning rate (constant schedule)
 * @param headLearningRate the exact head's rate, 0 = the head is trained by ZO
 * @param eventsPerSecond target rate of valid training events, 0 = as fast as possible
 * @param eventLimit valid events to stream, 0 = the data set's default (Fashion-MNIST: without end; the mails: all,
 *     once)
 * @param duration how long to run, {@link Duration#ZERO} = until stopped (Ctrl-C) or the stream is over
 * @param webPort Flink dashboard port, 0 = any free port
 * @param kafkaPort the broker's client port on localhost, 0 = any free port
 * @param registryPort the schema registry's port on 127.0.0.1, 0 = any free port
 * @param runDir where checkpoints, snapshots, the broker's logs and the learning curve go
 * @param poisonEvery one poison record after every this many valid events, 0 = none
 * @param holdoutSize test examples the replica is evaluated on (data sets with a holdout)
 * @param snapshotIntervalSteps steps between the trainer's full snapshots
 * @param checkpointInterval how often Flink checkpoints, and so how often the trainer's updates are committed
 * @param reportInterval how often the status line is printed
 * @param dataDir the data set's files
 */
public record DemoSettings(DemoDataset dataset, String modelSpec, int batchSize, double learningRate,
        double headLearningRate, double eventsPerSecond, long eventLimit, Duration duration, int webPort,
        int kafkaPort, int registryPort, Path runDir, long poisonEvery, int holdoutSize, int snapshotIntervalSteps,
        Duration checkpointInterval, Duration reportInterval, Path dataDir) {
    /** The model id of the default data set, Fashion-MNIST. */
    public static final String MODEL_ID = FashionMnistDemoDataset.MODEL_ID;
    public static final float EPSILON = 1e-3f;
    public static final long SEED = 1;
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
    public static final Path DEFAULT_RUN_DIR = Path.of("runs", "streaming-demo");

    public DemoSettings {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(dataDir, "dataDir");
        dataset.model(modelSpec);
        TrainerSettings.BATCH_SIZE.check(batchSize);
        TrainerSettings.LEARNING_RATE.check(learningRate);
        TrainerSettings.HEAD_LEARNING_RATE.check(headLearningRate);
        TrainerSettings.SNAPSHOT_INTERVAL.check(snapshotIntervalSteps);
        if (!(eventsPerSecond >= 0) || Double.isInfinite(eventsPerSecond)) {
            throw new InvalidConfigurationException("rate", eventsPerSecond, "events per second >= 0 (0 = no limit)");
        }
        if (eventLimit < 0) {
            throw new InvalidConfigurationException("events", eventLimit, ">= 0 (0 = the data set's default)");
        }
        if (duration == null || duration.isNegative()) {
            throw new InvalidConfigurationException("duration", duration, ">= 0 (0 = until Ctrl-C)");
        }
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

    /** The model, parsed. */
    public ModelSpec model() {
        return dataset.model(modelSpec);
    }

    /** Settings of {@code dataset} with its recipe and the demo's defaults, to be changed where wanted. */
    public static Builder builder(DemoDataset dataset) {
        return new Builder(dataset);
    }

    /** The defaults of {@code dataset}, with its files in {@code dataDir}. */
    public static DemoSettings defaults(DemoDataset dataset, Path dataDir) {
        return builder(dataset).dataDir(dataDir).build();
    }

    /** Collects settings; {@link #build()} validates them. */
    public static final class Builder {
        private final DemoDataset dataset;
        private String modelSpec;
        private int batchSize;
        private double learningRate;
        private double headLearningRate;
        private double eventsPerSecond;
        private long eventLimit;
        private Duration duration;
        private int webPort = LocalFlinkCluster.DEFAULT_WEB_PORT;
        private int kafkaPort = DEFAULT_KAFKA_PORT;
        private int registryPort = DEFAULT_REGISTRY_PORT;
        private Path runDir = DEFAULT_RUN_DIR;
        private long poisonEvery;
        private int holdoutSize = DEFAULT_HOLDOUT_SIZE;
        private int snapshotIntervalSteps = TrainerSettings.SNAPSHOT_INTERVAL.defaultValue().orElseThrow();
        private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
        private Duration reportInterval = DEFAULT_REPORT_INTERVAL;
        private Path dataDir;

        private Builder(DemoDataset dataset) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            DemoRecipe r = dataset.recipe();
            modelSpec = r.modelSpec();
            batchSize = r.batchSize();
            learningRate = r.learningRate();
            headLearningRate = r.headLearningRate();
            eventsPerSecond = r.eventsPerSecond();
            duration = r.duration();
            poisonEvery = r.poisonEvery();
            dataDir = dataset.defaultDataDir();
        }

        public Builder modelSpec(String v) {
            modelSpec = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder headLearningRate(double v) {
            headLearningRate = v;
            return this;
        }

        public Builder eventsPerSecond(double v) {
            eventsPerSecond = v;
            return this;
        }

        public Builder eventLimit(long v) {
            eventLimit = v;
            return this;
        }

        public Builder duration(Duration v) {
            duration = v;
            return this;
        }

        /** The dashboard's, the broker's and the registry's ports; 0 = any free port. */
        public Builder ports(int web, int kafka, int registry) {
            webPort = web;
            kafkaPort = kafka;
            registryPort = registry;
            return this;
        }

        public Builder runDir(Path v) {
            runDir = v;
            return this;
        }

        public Builder poisonEvery(long v) {
            poisonEvery = v;
            return this;
        }

        public Builder holdoutSize(int v) {
            holdoutSize = v;
            return this;
        }

        public Builder snapshotIntervalSteps(int v) {
            snapshotIntervalSteps = v;
            return this;
        }

        public Builder checkpointInterval(Duration v) {
            checkpointInterval = v;
            return this;
        }

        public Builder reportInterval(Duration v) {
            reportInterval = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        public DemoSettings build() {
            return new DemoSettings(dataset, modelSpec, batchSize, learningRate, headLearningRate, eventsPerSecond,
                    eventLimit, duration, webPort, kafkaPort, registryPort, runDir, poisonEvery, holdoutSize,
                    snapshotIntervalSteps, checkpointInterval, reportInterval, dataDir);
        }
    }
}
