package io.seedflow.jobs.cli;

import io.seedflow.connectors.kafka.DeadLetterSerializationSchema;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.FileSystemSnapshotStore;
import io.seedflow.operators.ZoTrainerOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code seedflow run}: the streaming training job against real Kafka and a real schema registry. Submitted to a
 * Flink cluster with {@code flink run seedflow.jar run ...} (or as the entry point of a FlinkDeployment), it builds
 * {@link StreamingPipeline} on the cluster's environment and blocks until the job ends (detached: until submitted);
 * started with plain {@code java -jar} it runs on a local mini cluster.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the streaming ZO training job (Kafka events -> trainer -> update log) on Flink.")
public final class RunCommand implements Callable<Integer> {
    @Mixin
    KafkaRegistryOptions kafka = new KafkaRegistryOptions();

    @Option(names = "--events-topic", defaultValue = "seedflow-events", description = "Labeled events (default ${DEFAULT-VALUE}).")
    String eventsTopic;

    @Option(names = "--updates-topic", defaultValue = "seedflow-updates", description = "Update log (default ${DEFAULT-VALUE}).")
    String updatesTopic;

    @Option(names = "--dead-letter-topic", defaultValue = "seedflow-dead-letters", description = "Dead letters (default ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    @Option(names = "--dead-letter-max-bytes", defaultValue = "" + DeadLetterSerializationSchema.DEFAULT_MAX_ORIGINAL_BYTES,
            description = "Most bytes of a bad record's value copied into its dead letter; a longer value is "
                    + "dead-lettered as this prefix with its size and SHA-256, so no input can make a dead letter too "
                    + "large to write. Above the default, raise the dead-letter topic's max.message.bytes to this plus "
                    + DeadLetterSerializationSchema.ENVELOPE_RESERVE_BYTES + " (default ${DEFAULT-VALUE}, fits a "
                    + "default broker).")
    long deadLetterMaxBytes;

    @Option(names = "--holdout-topic", description = "Holdout events: evaluated on, never trained on (optional).")
    String holdoutTopic;

    @Option(names = "--consumer-group", defaultValue = "seedflow-trainer", description = "Kafka consumer group (default ${DEFAULT-VALUE}).")
    String consumerGroup;

    @Option(names = "--transactional-id-prefix", defaultValue = "seedflow", description = "Prefix of the sinks' Kafka transactional ids; unique per job (default ${DEFAULT-VALUE}).")
    String transactionalIdPrefix;

    @Option(names = "--model", defaultValue = Defaults.MODEL, description = "Model spec (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--snapshot-dir", required = true, description = "Snapshot store: Flink FileSystem URI, e.g. s3://bucket/seedflow/snapshots.")
    String snapshotDir;

    @Mixin
    ObjectStoreOptions objectStore = new ObjectStoreOptions();

    @Option(names = "--checkpoint-interval", defaultValue = "10s", description = "Checkpoint (and Kafka commit) interval (default ${DEFAULT-VALUE}).")
    String checkpointInterval;

    @Option(names = "--batch-size", description = "Examples per ZO step (default " + "64" + ").")
    Integer batchSize;

    @Option(names = "--max-wait", description = "Train a partial batch after this long, e.g. 5s.")
    String maxWait;

    @Option(names = "--snapshot-interval-steps", description = "Steps between snapshots (default 1000).")
    Integer snapshotInterval;

    @Option(names = "--learning-rate", description = "ZO-SGD learning rate.")
    Double learningRate;

    @Option(names = "--epsilon", description = "Perturbation scale.")
    Float epsilon;

    @Option(names = "--run-seed", description = "Seed from which every step's perturbation seeds derive.")
    Long runSeed;

    @Option(names = "--conf", description = "Any trainer setting as key=value (repeatable), e.g. --conf "
            + "seedflow.zo.weight-decay=1e-4. Keys: seedflow.model.*, seedflow.zo.*, seedflow.trainer.*, "
            + "seedflow.snapshot.*.")
    Map<String, String> conf = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        StreamingSettings settings = settings();
        System.out.println("seedflow run: " + settings);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (env instanceof LocalStreamEnvironment) {
            // a local mini cluster in this JVM: its trainer writes snapshots with this process's file systems
            objectStore.initializeFileSystems();
            new FileSystemSnapshotStore(snapshotDir).checkReachable();
        } else if (objectStore.any()) {
            throw new IllegalArgumentException("--s3-endpoint / --s3-path-style-access apply to a local run only; on "
                    + "a Flink cluster set s3.endpoint and s3.path.style.access in its Flink configuration "
                    + "(flinkConfiguration of the FlinkDeployment), where the trainer's TaskManagers read them");
        }
        StreamingPipeline.build(env, settings);
        env.execute("seedflow trainer: " + settings.eventsTopic() + " -> " + settings.updatesTopic());
        return 0;
    }

    /** The validated job settings these flags describe. */
    public StreamingSettings settings() {
        return StreamingSettings.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .registry(kafka.registry())
                .eventsTopic(eventsTopic).updatesTopic(updatesTopic).deadLetterTopic(deadLetterTopic)
                .deadLetterMaxBytes(deadLetterMaxBytes)
                .holdoutTopic(holdoutTopic)
                .consumerGroup(consumerGroup).transactionalIdPrefix(transactionalIdPrefix)
                .modelSpec(model)
                .trainer(trainerConfiguration())
                .checkpointInterval(duration("--checkpoint-interval", checkpointInterval))
                .build();
    }

    private Configuration trainerConfiguration() {
        Set<String> known = knownKeys();
        Configuration c = new Configuration();
        for (Map.Entry<String, String> e : conf.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new IllegalArgumentException("--conf " + e.getKey() + "=" + e.getValue() + ": unknown setting '"
                        + e.getKey() + "'; expected one of " + known);
            }
            c.setString(e.getKey(), e.getValue());
        }
        c.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshotDir);
        if (batchSize != null) {
            c.set(ZoTrainerOptions.BATCH_SIZE, batchSize);
        }
        if (maxWait != null) {
            c.set(ZoTrainerOptions.MAX_WAIT, duration("--max-wait", maxWait));
        }
        if (snapshotInterval != null) {
            c.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, snapshotInterval);
        }
        if (learningRate != null) {
            c.set(ZoTrainerOptions.LEARNING_RATE, learningRate);
        }
        if (epsilon != null) {
            c.set(ZoTrainerOptions.EPSILON, epsilon);
        }
        if (runSeed != null) {
            c.set(ZoTrainerOptions.RUN_SEED, runSeed);
        }
        return c;
    }

    private static Set<String> knownKeys() {
        return Stream.of(ZoTrainerOptions.class.getFields())
                .filter(f -> ConfigOption.class.isAssignableFrom(f.getType()))
                .map(f -> {
                    try {
                        return ((ConfigOption<?>) f.get(null)).key();
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    static Duration duration(String flag, String text) {
        try {
            return TimeUtils.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": expected a duration such as 500ms, 10s or 2min, got '" + text
                    + "'");
        }
    }
}
