package io.seedflow.jobs.cli;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.FileSystemSnapshotStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code seedflow run}: the streaming training job against real Kafka and a real schema registry. Submitted to a
 * Flink cluster with {@code flink run seedflow.jar run ...} (or as the entry point of a FlinkDeployment), it builds
 * {@link StreamingPipeline} on the cluster's environment and blocks until the job ends (detached: until submitted);
 * started with plain {@code java -jar} it runs on a local mini cluster.
 */
@Command(name = "run", mixinStandardHelpOptions = true, modelTransformer = SettingFlags.Transformer.class,
        description = {"Run the streaming ZO training job (Kafka events -> trainer -> update log) on Flink.",
                "Every setting flag below is also a key (shown with it) for --conf; docs/settings.md lists them all."})
public final class RunCommand implements Callable<Integer>, SettingFlags.Holder {
    /** The settings {@code run} takes as flags: the job's and the streaming trainer's. */
    static final SettingFlags FLAGS = SettingFlags.of(Stream.concat(JobSettings.ALL.stream(),
                    TrainerSettings.ALL.stream().filter(s -> s.flag().isPresent()))
            .toList()).require(TrainerSettings.SNAPSHOT_DIR);

    @Override
    public SettingFlags settingFlags() {
        return FLAGS;
    }

    /** Flink's largest max parallelism (key groups): no operator can run wider. */
    private static final int MAX_PARALLELISM = 32_768;

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaRegistryOptions kafka = new KafkaRegistryOptions();

    @Mixin
    ObjectStoreOptions objectStore = new ObjectStoreOptions();

    @Option(names = "--bounded", description = "Stop at the end offsets the events topic has when the job starts "
            + "(a backfill: every event up to then is trained, the last partial batches included, then the job "
            + "finishes) instead of running forever.")
    boolean bounded;

    @Option(names = "--parallelism", paramLabel = "N", description = "Parallelism of the job, so the number of trainer "
            + "subtasks a data-parallel model is trained by (default: Flink's, i.e. flink run -p, or the local "
            + "cores).")
    Integer parallelism;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Any trainer setting by its key (repeatable), "
            + "e.g. --conf seedflow.zo.weight-decay=1e-4; a flag given too wins.")
    Map<String, String> conf = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (parallelism != null && (parallelism < 1 || parallelism > MAX_PARALLELISM)) {
            throw new InvalidConfigurationException("--parallelism", parallelism,
                    "expected an integer in [1, " + MAX_PARALLELISM + "]");
        }
        StreamingSettings settings = settings();
        String snapshotDir = settings.trainerConfig().snapshotDir();
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
        if (parallelism != null) {
            env.setParallelism(parallelism);
        }
        StreamingPipeline.build(env, settings);
        env.execute("seedflow trainer: " + settings.eventsTopic() + " -> " + settings.updatesTopic());
        return 0;
    }

    /** The validated job settings these flags describe. */
    public StreamingSettings settings() {
        SettingFlags.Values v = FLAGS.read(spec);
        return StreamingSettings.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .registry(kafka.registry())
                .eventsTopic(v.get(JobSettings.EVENTS_TOPIC)).updatesTopic(v.get(JobSettings.UPDATES_TOPIC))
                .deadLetterTopic(v.get(JobSettings.DEAD_LETTER_TOPIC))
                .deadLetterMaxBytes(v.get(JobSettings.DEAD_LETTER_MAX_BYTES))
                .maxTextChars(v.get(JobSettings.MAX_TEXT_CHARS))
                .holdoutTopic(v.value(JobSettings.HOLDOUT_TOPIC).orElse(null))
                .dataParallelModels(v.get(JobSettings.DATA_PARALLEL_MODELS))
                .consumerGroup(v.get(JobSettings.CONSUMER_GROUP))
                .transactionalIdPrefix(v.get(JobSettings.TRANSACTIONAL_ID_PREFIX))
                .signingKey(v.value(JobSettings.SIGNING_KEY).orElse(null))
                .modelSpec(v.get(TrainerSettings.MODEL_SPEC))
                .trainer(trainerConfiguration(v))
                .checkpointInterval(v.get(JobSettings.CHECKPOINT_INTERVAL))
                .bounded(bounded)
                .build();
    }

    private Configuration trainerConfiguration(SettingFlags.Values given) {
        Configuration c = TrainerConfOption.apply(conf, new Configuration());
        for (Map.Entry<String, String> e : given.asText()) {
            if (TrainerConfOption.isTrainerKey(e.getKey())) {
                c.setString(e.getKey(), e.getValue());
            }
        }
        return c;
    }
}
