package io.seedflow.connectors.kafka;

import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.ModelHistory;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SnapshotReader;
import io.seedflow.core.snapshot.SnapshotRepository;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Appends a rollback to a model's log (docs/update-log-spec.md §11), what {@code seedflow rollback} runs: rebuilds the
 * weights of the earlier version from the newest snapshot announced at or before it and the records after that,
 * stores them as a snapshot of the next step, and writes the {@link ModelRollback}, its snapshot's announcement and,
 * in a signed log, the seal of the chain over it, in one Kafka transaction. Replicas load that snapshot when they
 * reach the rollback; the trainer continues from it (a restore from the state it had when it stopped, or a start
 * without state). The trainer must be stopped: a trainer that writes on meanwhile forks the log, which this finds
 * when it reads the log back and reports.
 */
public final class LogRollback {
    private LogRollback() {
    }

    /**
     * Where the log is and how to write to it.
     *
     * @param snapshotDir where the rollback's snapshot is stored; null: beside the snapshot it is rebuilt from
     * @param stores the snapshot store of a directory URI
     * @param signer the trainer's key, for a signed log; null for an unsigned one
     */
    public record Settings(String bootstrapServers, RegistryClientOptions registry, String updatesTopic,
            Map<String, String> clientProperties, SnapshotReader snapshots, String snapshotDir,
            Function<String, SnapshotRepository> stores, LogSignatures.Signer signer) {
    }

    /**
     * Rolls {@code modelId} back to {@code toVersion}.
     *
     * @throws InvalidConfigurationException naming {@code --to-version} or {@code --signing-key} when the log cannot
     *         be rolled back so
     * @throws SeedFlowException if the log cannot be read or rebuilt, or another writer forked it meanwhile
     */
    public static ModelRollback run(Settings s, String modelId, long toVersion, String reason,
            Consumer<String> progress) {
        UpdatesTopicHistory history = new UpdatesTopicHistory(s.bootstrapServers(), s.registry(), s.updatesTopic(),
                null, null, s.clientProperties());
        long last = history.lastStep(modelId).orElseThrow(() -> new SeedFlowException("model '" + modelId
                + "' has no log on topic " + s.updatesTopic()));
        if (toVersion < 0 || toVersion >= last) {
            throw new InvalidConfigurationException("--to-version", toVersion, "model '" + modelId + "' is at "
                    + "version " + last + "; expected an earlier version, 0.." + (last - 1));
        }
        ModelHistory source = history.versionOf(modelId, toVersion);
        byte[] chainHead = chainHead(s.signer(), source, modelId, last);
        SnapshotAnnouncement from = source.snapshot();
        progress.accept("rebuilding version " + toVersion + " from the snapshot of step " + from.step + " (" + from.uri
                + ") and " + source.records().size() + " records");
        Snapshot base = from.requireAnnounces(s.snapshots().load(from.uri, from.sha256));
        Replica replica = new Replica(modelId, base.parameters(), base.step());
        for (UpdateRecord r : source.records()) {
            replica.apply(r);
        }
        EncodedSnapshot holding = EncodedSnapshot.of(modelId, last + 1, base.modelSpec(), replica.parameters());
        String dir = s.snapshotDir() != null ? s.snapshotDir() : from.uri.substring(0, from.uri.lastIndexOf('/') + 1);
        String uri = s.stores().apply(dir).store(holding);
        progress.accept("stored the weights of version " + toVersion + " (" + holding.weightsSha256() + ") as the "
                + "snapshot of step " + (last + 1) + ": " + uri);
        ModelRollback rollback = new ModelRollback(modelId, last + 1, toVersion, holding.weightsSha256(), uri,
                holding.sha256(), holding.sizeBytes(), System.currentTimeMillis(), reason);
        write(s, rollback, chainHead);
        requireOnLine(s, rollback);
        return rollback;
    }

    /**
     * In a signed log, the chain link at {@code last}: the newest seal's, which must be at {@code last} and this key's
     * (re-signing gives its bytes: Ed25519 is deterministic); null for an unsigned log, which must get no key.
     */
    private static byte[] chainHead(LogSignatures.Signer signer, ModelHistory log, String modelId, long last) {
        LogSeal seal = log.newestSeal();
        if (seal == null) {
            if (signer != null) {
                throw new InvalidConfigurationException("--signing-key", "given", "the log of model '" + modelId
                        + "' is not signed (no seal on it); a rollback is signed only in a log its trainer signs");
            }
            return null;
        }
        if (signer == null) {
            throw new InvalidConfigurationException("--signing-key", "none", "the log of model '" + modelId + "' is "
                    + "signed (its newest seal is of step " + seal.step + "); give the trainer's private key, else "
                    + "verifying replicas refuse the rollback");
        }
        if (!Arrays.equals(signer.seal(modelId, seal.step, seal.chainHead).signature, seal.signature)) {
            throw new InvalidConfigurationException("--signing-key", "given", "the newest seal of model '" + modelId
                    + "' (step " + seal.step + ") was not signed with this key; give the key its trainer signs with");
        }
        if (seal.step != last) {
            throw new LogVerificationException("model '" + modelId + "': the log is at step " + last + " but its "
                    + "newest seal covers step " + seal.step + ": the records after it are not sealed (the trainer "
                    + "is still running, or they are forged); stop the trainer, and run seedflow audit");
        }
        return seal.chainHead;
    }

    /** The rollback, its announcement and (signed) the seal over it, in one transaction, keyed by the model id. */
    private static void write(Settings s, ModelRollback rollback, byte[] chainHead) {
        SnapshotAnnouncement announcement = rollback.announcement();
        LogSeal seal = null;
        if (chainHead != null) {
            byte[] link = UpdateRecordCodec.nextLink(chainHead, rollback);
            announcement = s.signer().sign(announcement, link);
            seal = s.signer().seal(rollback.modelId(), rollback.step(), link);
        }
        Properties p = new Properties();
        p.putAll(s.clientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "seedflow-rollback-" + rollback.modelId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        String subject = ConfluentWireFormat.valueSubject(s.updatesTopic());
        byte[] key = rollback.modelId().getBytes(StandardCharsets.UTF_8);
        try (ConfluentRegistryClient registry = ConfluentRegistryClient.create(s.registry());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            UpdatesTopic.Writer writer = new UpdatesTopic.Writer(registry, UpdateLogEncoding.COMPACT);
            producer.initTransactions();
            producer.beginTransaction();
            for (Object entry : seal == null ? new Object[] {rollback, announcement}
                    : new Object[] {rollback, announcement, seal}) {
                producer.send(new ProducerRecord<>(s.updatesTopic(), key, writer.write(subject, entry)));
            }
            producer.commitTransaction();
        }
    }

    /** Reads the log back: the rollback must be its newest step, alone at its step. */
    private static void requireOnLine(Settings s, ModelRollback rollback) {
        UpdatesTopicHistory after = new UpdatesTopicHistory(s.bootstrapServers(), s.registry(), s.updatesTopic(),
                null, null, s.clientProperties());
        String modelId = rollback.modelId();
        long last = after.lastStep(modelId).orElse(-1);
        if (last != rollback.step() || after.recordAt(modelId, rollback.step()).isPresent()) {
            throw new SeedFlowException("model '" + modelId + "': the rollback was written as step " + rollback.step()
                    + " but the log now ends at step " + last + (after.recordAt(modelId, rollback.step()).isPresent()
                            ? " with a trained record of the same step" : "") + ": a trainer wrote on meanwhile, so "
                    + "the log forks there; stop the trainer and run seedflow audit");
        }
    }
}
