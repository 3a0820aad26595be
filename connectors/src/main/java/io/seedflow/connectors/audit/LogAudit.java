package io.seedflow.connectors.audit;

import io.seedflow.connectors.audit.Finding.Check;
import io.seedflow.connectors.kafka.DeadLetterSerializationSchema;
import io.seedflow.connectors.kafka.TopicScan;
import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.snapshot.SnapshotReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The check an operator runs after an incident ({@code seedflow audit}): reads the updates topic, and where given the
 * events and dead-letter topics, all {@code read_committed}, and reports per model one line of contiguous steps (no
 * fork, no gap), every event offset trained or dead-lettered exactly once (across all models of the log, since they
 * share the events topic), and a replay of the log that matches every snapshot the records name and every snapshot
 * announced. Reads only; keeps every record of the audited models in memory (the records, not the weights).
 */
public final class LogAudit {
    private LogAudit() {
    }

    /**
     * What to audit. {@code eventsTopic} and {@code deadLetterTopic} may be null (no event accounting);
     * {@code modelId} null audits every model on the updates topic.
     */
    public record Settings(String bootstrapServers, RegistryClientOptions registry, String updatesTopic,
            String eventsTopic, String deadLetterTopic, String modelId, Map<String, String> consumerProperties,
            SnapshotReader snapshots, Duration pollTimeout, LogSignatures.Verifier verifier) {
        /** Without a public key: chains checked, signatures not. */
        public Settings(String bootstrapServers, RegistryClientOptions registry, String updatesTopic,
                String eventsTopic, String deadLetterTopic, String modelId, Map<String, String> consumerProperties,
                SnapshotReader snapshots, Duration pollTimeout) {
            this(bootstrapServers, registry, updatesTopic, eventsTopic, deadLetterTopic, modelId, consumerProperties,
                    snapshots, pollTimeout, null);
        }

        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(registry, "registry");
            Objects.requireNonNull(updatesTopic, "updatesTopic");
            Objects.requireNonNull(snapshots, "snapshots");
            consumerProperties = Map.copyOf(consumerProperties);
        }
    }

    /** The findings, in the order checked. */
    public record Report(List<Finding> findings) {
        /** Whether no finding is a {@link Finding.Severity#FAIL}. */
        public boolean passed() {
            return findings.stream().noneMatch(f -> f.severity() == Finding.Severity.FAIL);
        }
    }

    /** Runs the audit; {@code progress} gets a line per topic read. */
    public static Report run(Settings s, Consumer<String> progress) {
        List<Finding> findings = new ArrayList<>();
        Map<String, ModelLog> logs = new TreeMap<>();
        EventAccounting events = s.eventsTopic() == null ? null : new EventAccounting(s.eventsTopic());
        try (ConfluentRegistryClient registry = ConfluentRegistryClient.create(s.registry())) {
            UpdatesTopic.Reader reader = new UpdatesTopic.Reader(registry);
            scan(s, s.updatesTopic(), Check.STEPS, findings, progress, topic -> {
            }, r -> readUpdate(s, reader, r, logs, events, findings));
        }
        if (logs.isEmpty()) {
            findings.add(Finding.fail(Check.STEPS, "no " + (s.modelId() == null ? "model" : "model '" + s.modelId()
                    + "'") + " has records or announcements on topic " + s.updatesTopic()));
        }
        for (ModelLog log : logs.values()) {
            findings.addAll(log.steps());
        }
        if (events != null) {
            EventAccounting acc = events;
            scan(s, s.eventsTopic(), Check.EVENTS, findings, progress,
                    topic -> topic.beginningOffsets().forEach((p, first) -> acc.firstHeld(p.partition(), first)),
                    r -> acc.held(r.partition(), r.offset()));
            if (s.deadLetterTopic() != null) {
                scan(s, s.deadLetterTopic(), Check.EVENTS, findings, progress, topic -> {
                }, r -> readDeadLetter(s, r, acc));
            }
            findings.addAll(acc.findings());
        }
        for (ModelLog log : logs.values()) {
            progress.accept("replaying the log of model " + log.modelId());
            findings.addAll(log.replay(s.snapshots()));
        }
        for (ModelLog log : logs.values()) {
            findings.addAll(log.signatures(s.verifier()));
        }
        return new Report(findings);
    }

    private static void readUpdate(Settings s, UpdatesTopic.Reader reader, ConsumerRecord<byte[], byte[]> r,
            Map<String, ModelLog> logs, EventAccounting events, List<Finding> findings) {
        if (r.value() == null) {
            return;
        }
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (events == null && s.modelId() != null && key != null && !key.equals(s.modelId())) {
            return; // another model's entry, and no event accounting that would need its lineage
        }
        UpdatesTopic.Entry e;
        try {
            e = reader.read(r.value());
        } catch (SeedFlowException ex) {
            if (key == null || s.modelId() == null || key.equals(s.modelId())) {
                findings.add(Finding.fail(Check.STEPS, s.updatesTopic() + "/" + r.partition() + " offset "
                        + r.offset() + ": cannot be read: " + ex.getClass().getSimpleName() + ": " + ex.getMessage()));
            }
            return;
        }
        boolean audited = s.modelId() == null || s.modelId().equals(e.modelId());
        if (e.update() != null && events != null) {
            for (Lineage l : e.update().lineage()) {
                events.trained(e.modelId(), e.update().step(), l);
            }
        }
        if (!audited) {
            return;
        }
        ModelLog log = logs.computeIfAbsent(e.modelId(), ModelLog::new);
        if (e.step() != null) {
            log.step(r.offset(), e.step());
        } else if (e.seal() != null) {
            log.seal(r.offset(), e.seal());
        } else {
            log.announcement(r.offset(), e.announcement());
        }
    }

    private static void readDeadLetter(Settings s, ConsumerRecord<byte[], byte[]> r, EventAccounting acc) {
        DeadLetterSerializationSchema.sourceOf(r).filter(src -> src.topic().equals(s.eventsTopic()))
                .ifPresent(src -> acc.deadLettered(src.partition(), src.offset()));
    }

    /**
     * Reads {@code topic} to its end into {@code visitor}, after {@code before} (with the scan, before any record);
     * a topic that does not exist fails {@code check}.
     */
    private static void scan(Settings s, String topic, Check check, List<Finding> findings,
            Consumer<String> progress, Consumer<TopicScan> before, Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        try (TopicScan scan = new TopicScan(s.bootstrapServers(), topic, "seedflow-audit", s.consumerProperties(),
                s.pollTimeout(), s.pollTimeout().multipliedBy(50))) {
            if (scan.partitions().isEmpty()) {
                findings.add(Finding.fail(check, "topic " + topic + " does not exist"));
                return;
            }
            before.accept(scan);
            long n = scan.readToEnd(visitor);
            progress.accept(String.format("read %,d entries from %s", n, topic));
        }
    }
}
