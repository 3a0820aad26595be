package io.seedflow.jobs.cli;

import io.seedflow.connectors.kafka.LogRollback;
import io.seedflow.connectors.replica.SnapshotFetcher;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.operators.FileSystemSnapshotStore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code seedflow rollback}: appends a rollback to a model's log ({@link LogRollback}, docs/update-log-spec.md §11),
 * so that its replicas and its trainer return to the weights of an earlier version and go on from there.
 */
@Command(name = "rollback", mixinStandardHelpOptions = true, modelTransformer = SettingFlags.Transformer.class,
        description = {"Return a model to the weights of an earlier version: appends a rollback step to its log "
                + "(the undone steps stay on the log for the audit trail), with a snapshot of those weights. Stop the "
                + "trainer first (stop-with-savepoint or cancel); replicas follow at once, and the trainer takes the "
                + "rollback up when it is restored from that savepoint or started without state."})
public final class RollbackCommand implements Callable<Integer>, SettingFlags.Holder {
    static final SettingFlags FLAGS = SettingFlags.of(List.of(JobSettings.UPDATES_TOPIC, JobSettings.SIGNING_KEY));

    @Override
    public SettingFlags settingFlags() {
        return FLAGS;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaRegistryOptions kafka = new KafkaRegistryOptions();

    @Mixin
    ObjectStoreOptions objectStore = new ObjectStoreOptions();

    @Option(names = "--model-id", required = true, description = "The model to roll back.")
    String modelId;

    @Option(names = "--to-version", required = true, paramLabel = "V",
            description = "The earlier version whose weights the model returns to (0 = its base).")
    long toVersion;

    @Option(names = "--reason", defaultValue = "", description = "Why, in a few words, for the audit trail.")
    String reason;

    @Option(names = "--snapshot-dir", paramLabel = "URI",
            description = "Where to store the snapshot of the rolled-back weights (default: beside the snapshot they "
                    + "are rebuilt from, where the trainer stores its snapshots).")
    String snapshotDir;

    @Option(names = "--client-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client setting (security etc.), repeatable.")
    Map<String, String> clientProperties = new LinkedHashMap<>();

    @Override
    public Integer call() {
        SettingFlags.Values settings = FLAGS.read(spec);
        objectStore.initializeFileSystems(); // snapshots may live in object storage
        String signingKey = settings.value(JobSettings.SIGNING_KEY).filter(k -> !k.isBlank()).orElse(null);
        LogSignatures.Signer signer = signingKey == null ? null // the trainer's key: required when the log is signed
                : new LogSignatures.Signer(LogSignatures.readPrivateKey("--signing-key", Path.of(signingKey)));
        LogRollback.Settings rollback = new LogRollback.Settings(kafka.bootstrapServers(), kafka.registry(),
                settings.get(JobSettings.UPDATES_TOPIC), clientProperties, SnapshotFetcher.standard(), snapshotDir,
                FileSystemSnapshotStore::new, signer);
        ModelRollback done = LogRollback.run(rollback, modelId, toVersion, reason,
                line -> System.out.println("rollback: " + line));
        System.out.printf("rollback: model '%s' is at step %d with the weights of version %d (%s); steps %d..%d "
                + "undone%s%n", done.modelId(), done.step(), done.toVersion(), done.weightsSha256(),
                done.firstUndone(), done.step() - 1, signer == null ? "" : "; signed and sealed");
        return 0;
    }
}
