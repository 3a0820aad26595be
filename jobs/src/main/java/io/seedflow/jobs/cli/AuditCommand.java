package io.seedflow.jobs.cli;

import io.seedflow.connectors.audit.Finding;
import io.seedflow.connectors.audit.LogAudit;
import io.seedflow.connectors.replica.SnapshotFetcher;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.settings.JobSettings;
import java.time.Duration;
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
 * {@code seedflow audit}: the check an operator runs after an incident ({@link LogAudit}). Prints one line per finding
 * and a verdict; exits 0 when nothing failed, 1 when a check failed.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, modelTransformer = SettingFlags.Transformer.class,
        description = {"Check a model's log on Kafka: one contiguous line of steps (no fork, no gap), every event "
                + "trained or dead-lettered exactly once, and a replay matching every snapshot the records name or "
                + "the trainer announced. Reads only. Exit code 0: no check failed; 1: a check failed."})
public final class AuditCommand implements Callable<Integer>, SettingFlags.Holder {
    static final SettingFlags FLAGS = SettingFlags.of(List.of(JobSettings.UPDATES_TOPIC, JobSettings.EVENTS_TOPIC,
            JobSettings.DEAD_LETTER_TOPIC));

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

    @Option(names = "--model-id", description = "The model to audit (default: every model on the updates topic).")
    String modelId;

    @Option(names = "--no-events", description = "Skip the accounting of the events and dead-letter topics.")
    boolean noEvents;

    @Option(names = "--verify-key", paramLabel = "FILE",
            description = "The trainer's Ed25519 public key (PEM): check every seal's and signed announcement's "
                    + "signature too (default: the chain only).")
    java.nio.file.Path verifyKey;

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka consumer setting (security etc.), repeatable.")
    Map<String, String> consumerProperties = new LinkedHashMap<>();

    @Override
    public Integer call() {
        SettingFlags.Values settings = FLAGS.read(spec);
        objectStore.initializeFileSystems(); // announced snapshots may live in object storage
        LogAudit.Settings audit = new LogAudit.Settings(kafka.bootstrapServers(), kafka.registry(),
                settings.get(JobSettings.UPDATES_TOPIC), noEvents ? null : settings.get(JobSettings.EVENTS_TOPIC),
                noEvents ? null : settings.get(JobSettings.DEAD_LETTER_TOPIC), modelId, consumerProperties,
                SnapshotFetcher.standard(), Duration.ofMillis(500), verifyKey == null ? null
                        : new LogSignatures.Verifier(LogSignatures.readPublicKey("--verify-key", verifyKey)));
        LogAudit.Report report = LogAudit.run(audit, line -> System.out.println("audit: " + line));
        long failed = report.findings().stream().filter(f -> f.severity() == Finding.Severity.FAIL).count();
        long warned = report.findings().stream().filter(f -> f.severity() == Finding.Severity.WARN).count();
        report.findings().forEach(System.out::println);
        System.out.printf("audit: %s (%d failed, %d warnings)%n", report.passed() ? "PASSED" : "FAILED", failed,
                warned);
        return report.passed() ? 0 : 1;
    }
}
