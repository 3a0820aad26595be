package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.connectors.replica.NoSnapshotAvailableException;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed log end to end (docs/update-log-spec.md §10): a job with {@code seedflow.job.signing-key} writes seals
 * and signed announcements; a replica given the public key bootstraps from a signed snapshot, applies only what seals
 * verify and reaches the same weights as one that does not verify; a second job started without state, training the
 * model data-parallel at parallelism 2, continues the chain from the log (its seals verify on the same replica). Then a forged record of the next step is written to the
 * topic: the verifying replica holds it back, and when a seal signed with another key follows, refuses by name and
 * keeps serving its last verified version, while a replica that does not verify applies the forgery. A replica
 * with a wrong key finds no snapshot it can trust, and a job started without state refuses to continue the forged log,
 * without restarts. Copies of a signed log with a record altered, spliced in, reordered or dropped are each refused by
 * name. Prints the bytes the seals add per record.
 */
class SignedLogITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "signed-model";
    private static final int FEATURES = 8;
    private static final int CLASSES = 3;
    private static final String EVENTS = "signed-events";
    private static final String UPDATES = "signed-updates";
    private static final String DEAD_LETTERS = "signed-dead-letters";

    @TempDir
    Path dir;

    @Test
    void aVerifyingReplicaAppliesWhatTheTrainerSignedAndRefusesAForgery() throws Exception {
        for (String topic : List.of(EVENTS, UPDATES, DEAD_LETTERS)) {
            kafka.createTopic(topic, 1);
        }
        KeyPair trainerKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path privateKey = Files.writeString(dir.resolve("trainer.pem"), LogSignatures.pem(trainerKey.getPrivate()));
        Path snapshots = Files.createDirectories(dir.resolve("snapshots"));
        Random random = new Random(5);

        produce(random, 120);
        StreamingItSupport.runToEnd(env(settings(snapshots, privateKey, List.of()), 1), "signed-1", 120);
        List<UpdatesTopic.Entry> entries = StreamingItSupport.readUpdatesTopic(kafka, registry, UPDATES);
        List<UpdateRecord> first = StreamingItSupport.updateRecords(entries);
        assertThat(first).hasSizeGreaterThanOrEqualTo(10);
        List<LogSeal> seals = entries.stream().filter(e -> e.seal() != null).map(UpdatesTopic.Entry::seal).toList();
        assertThat(seals).isNotEmpty();
        assertThat(seals.get(seals.size() - 1).step).as("the last seal covers the last step").isEqualTo(first.size());
        LogSignatures.Verifier verifier = new LogSignatures.Verifier(trainerKey.getPublic());
        assertThat(seals).allMatch(verifier::verifies);
        List<SnapshotAnnouncement> announced = StreamingItSupport.announcements(entries);
        assertThat(announced).isNotEmpty().allMatch(verifier::verifies);
        // the chain the seals name is the one over the records' canonical bytes from the base snapshot's root
        byte[] link = LogChain.root(MODEL, 0, first.get(0).baseSnapshotId());
        for (UpdateRecord r : first) {
            link = LogChain.next(link, io.seedflow.connectors.log.UpdateRecordCodec.canonicalBytes(r));
        }
        assertThat(seals.get(seals.size() - 1).chainHead).isEqualTo(link);
        printSealBytes(first.size());

        try (ModelUpdateSubscriber verifying = subscriber(trainerKey.getPublic()).start();
                ModelUpdateSubscriber plain = subscriber(null).start()) {
            assertThat(verifying.awaitVersion(first.size(), Duration.ofSeconds(60))).isTrue();
            assertThat(plain.awaitVersion(first.size(), Duration.ofSeconds(60))).isTrue();
            assertThat(verifying.weightsSha256()).isEqualTo(plain.weightsSha256());

            // a second job without state continues the log and its chain, the model now trained data-parallel by
            // two subtasks (two sealers: the records and announcements come out of trainer subtask 0)
            produce(random, 60);
            StreamingItSupport.runToEnd(env(settings(snapshots, privateKey, List.of(MODEL)), 2), "signed-2", 120);
            List<UpdateRecord> both = StreamingItSupport.updateRecords(
                    StreamingItSupport.readUpdatesTopic(kafka, registry, UPDATES));
            assertThat(both.size()).isGreaterThan(first.size());
            assertThat(verifying.awaitVersion(both.size(), Duration.ofSeconds(60))).isTrue();
            assertThat(plain.awaitVersion(both.size(), Duration.ofSeconds(60))).isTrue();
            assertThat(verifying.weightsSha256()).isEqualTo(plain.weightsSha256());
            String verified = verifying.weightsSha256();
            Path publicKey = Files.writeString(dir.resolve("trainer.pub.pem"), LogSignatures.pem(trainerKey.getPublic()));
            InProcessCli.Run audit = audit(publicKey);
            assertThat(audit.code()).as(audit.out() + audit.err()).isZero();
            assertThat(audit.out()).contains("OK   signatures model '" + MODEL + "': the chain over steps 0.."
                    + both.size()).contains("every signature verifies with public key " + verifier.fingerprint());

            // a forged record of the next step, then a seal for it signed with another key
            UpdateRecord last = both.get(both.size() - 1);
            UpdateRecord forged = new UpdateRecord(1, MODEL, last.baseSnapshotId(), last.step() + 1,
                    last.status(), 1f, List.of(new PerturbationTerm(42, 0.5f, Float.NaN, Float.NaN, Float.NaN)),
                    Float.NaN, Float.NaN, 0, last.lineage(), last.trainerTimeMillis() + 1);
            StreamingItSupport.publishInOneTransaction(kafka, registry, UPDATES, List.of(forged));
            assertThat(plain.awaitVersion(forged.step(), Duration.ofSeconds(30))).as("no verification").isTrue();
            Thread.sleep(1000);
            assertThat(verifying.version()).as("held back: no seal covers it").isEqualTo(last.step());
            KeyPair attacker = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] forgedLink = LogChain.next(LogChain.root(MODEL, 0, "x"), new byte[1]);
            publish(new LogSignatures.Signer(attacker.getPrivate()).seal(MODEL, forged.step(), forgedLink));
            assertThatThrownBy(() -> verifying.awaitVersion(forged.step(), Duration.ofSeconds(30)))
                    .isInstanceOf(LogVerificationException.class)
                    .hasMessageContaining("the seal of step " + forged.step() + " does not verify");
            assertThat(verifying.isRunning()).isFalse();
            assertThat(verifying.version()).as("the last verified version").isEqualTo(last.step());
            assertThat(verifying.weightsSha256()).isEqualTo(verified);
            assertThat(plain.weightsSha256()).isNotEqualTo(verified);
            verifying.error().ifPresent(e -> { }); // stored: close() rethrows it below
            assertThatThrownBy(verifying::close).isInstanceOf(LogVerificationException.class);
            // the audit names the forged seal and the record the trainer's seals do not cover
            InProcessCli.Run forgedAudit = audit(publicKey);
            assertThat(forgedAudit.code()).isEqualTo(1);
            assertThat(forgedAudit.out()).contains("the seal of step " + forged.step())
                    .contains("does not verify with public key " + verifier.fingerprint());

            // a job started without state would continue the forged line: it stops without restarts instead
            produce(random, 20);
            Throwable refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () ->
                    StreamingItSupport.runToEnd(env(settings(snapshots, privateKey, List.of()), 1), "signed-3", 120));
            assertThat(org.apache.flink.util.ExceptionUtils.stringifyException(refused))
                    .contains("LogVerificationException")
                    .contains("the signed log this job would continue does not verify: its newest seal (step "
                            + forged.step() + ") was not signed with this job's key");
            assertThat(StreamingItSupport.updateRecords(StreamingItSupport.readUpdatesTopic(kafka, registry, UPDATES)))
                    .as("nothing written after the forgery").hasSize(both.size() + 1);
        }

        // a replica with another key: no announcement verifies, so nothing to bootstrap from
        PublicKey wrong = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        try (ModelUpdateSubscriber wrongKey = subscriber(wrong, Duration.ofSeconds(3)).start()) {
            assertThatThrownBy(() -> wrongKey.awaitVersion(0, Duration.ofSeconds(30)))
                    .isInstanceOf(NoSnapshotAvailableException.class)
                    .hasMessageContaining("unsigned or not verifying passed over");
        } catch (NoSnapshotAvailableException expectedOnClose) {
            assertThat(expectedOnClose).hasMessageContaining("no snapshot of model");
        }
    }

    /**
     * A signed log copied to new topics with one record altered, spliced in from another run, two records swapped,
     * or one dropped: a verifying replica refuses each by name (the chain, or the order and gap checks, the base
     * snapshot holding none of the missing steps) and keeps a version before the tampered step.
     */
    @Test
    void tamperedCopiesOfASignedLogAreRefusedByName() throws Exception {
        KeyPair trainerKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path privateKey = Files.writeString(dir.resolve("tamper.pem"), LogSignatures.pem(trainerKey.getPrivate()));
        List<UpdateRecord> own = trainedSignedLog("tamper-a", privateKey, 1);
        List<UpdateRecord> other = trainedSignedLog("tamper-b", privateKey, 99); // another run seed: other steps
        List<ConsumerRecord<byte[], byte[]>> values = StreamingItSupport.readCommitted(kafka, "tamper-a-updates");
        int k = 5;
        int at = indexOfStep(values, k);
        UpdateRecord r = own.get(k - 1);
        UpdateRecord altered = new UpdateRecord(r.formatVersion(), r.modelId(), r.baseSnapshotId(), r.step(),
                r.status(), r.decayFactor(), List.of(new PerturbationTerm(r.perturbations().get(0).seed(),
                        r.perturbations().get(0).coefficient() + 1e-3f, Float.NaN, Float.NaN, Float.NaN)),
                Float.NaN, Float.NaN, 0, r.lineage(), r.trainerTimeMillis());
        assertThat(other.get(k - 1).sameUpdateAs(r)).as("the other run's step differs").isFalse();

        java.util.Map<String, Class<? extends Exception>> expected = new java.util.LinkedHashMap<>();
        java.util.Map<String, List<byte[]>> copies = new java.util.LinkedHashMap<>();
        copies.put("altered", replaced(values, at, altered));
        expected.put("altered", LogVerificationException.class);
        copies.put("spliced", replaced(values, at, other.get(k - 1)));
        expected.put("spliced", LogVerificationException.class);
        List<byte[]> swapped = raw(values);
        java.util.Collections.swap(swapped, at, indexOfStep(values, k + 1));
        copies.put("reordered", swapped);
        expected.put("reordered", io.seedflow.core.error.UpdateLogGapException.class);
        List<byte[]> dropped = raw(values);
        dropped.remove(at);
        copies.put("dropped", dropped);
        expected.put("dropped", io.seedflow.core.error.UpdateLogGapException.class);

        for (var copy : copies.entrySet()) {
            String topic = "tamper-" + copy.getKey() + "-updates";
            kafka.createTopic(topic, 1);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (byte[] value : copy.getValue()) {
                    producer.send(new ProducerRecord<>(topic, MODEL.getBytes(StandardCharsets.UTF_8), value)).get();
                }
            }
            ModelUpdateSubscriber replica = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                    .registry(registryServer.clientOptions(null)).updatesTopic(topic).modelId(MODEL)
                    .snapshotsFromAnnouncements().verifyKey(trainerKey.getPublic())
                    .pollTimeout(Duration.ofMillis(100)).build().start();
            try {
                assertThatThrownBy(() -> replica.awaitVersion(own.size(), Duration.ofSeconds(30)))
                        .as(copy.getKey()).isInstanceOf(expected.get(copy.getKey()));
                assertThat(replica.version()).as(copy.getKey() + ": the last verified version").isLessThan(k);
                System.out.printf("tampered log (%s step %d): refused at version %d: %s%n", copy.getKey(), k,
                        replica.version(), replica.error().map(Throwable::getMessage).orElse("-"));
            } finally {
                org.junit.jupiter.api.Assertions.assertThrows(Exception.class, replica::close);
            }
        }
    }

    /** A bounded signed job over 120 events on topics {@code prefix-*}; its records. */
    private List<UpdateRecord> trainedSignedLog(String prefix, Path privateKey, long runSeed) throws Exception {
        for (String topic : List.of("-events", "-updates", "-dead-letters")) {
            kafka.createTopic(prefix + topic, 1);
        }
        produce(new Random(11), 120, prefix + "-events");
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, 10);
        trainer.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, 1000); // only the base snapshot: none covers a tampered step
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, dir.resolve(prefix + "-snapshots").toString());
        trainer.set(ZoTrainerOptions.RUN_SEED, runSeed);
        StreamingSettings settings = StreamingSettings.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).eventsTopic(prefix + "-events")
                .updatesTopic(prefix + "-updates").deadLetterTopic(prefix + "-dead-letters").consumerGroup(prefix)
                .transactionalIdPrefix(prefix).modelSpec("mlp:" + FEATURES + "x6x" + CLASSES + ":relu")
                .trainer(trainer).checkpointInterval(Duration.ofMillis(300)).bounded(true)
                .signingKey(privateKey.toString()).build();
        StreamingItSupport.runToEnd(env(settings, 1), prefix, 120);
        List<UpdateRecord> records = StreamingItSupport.updateRecords(
                StreamingItSupport.readUpdatesTopic(kafka, registry, prefix + "-updates"));
        assertThat(records).hasSize(12);
        return records;
    }

    private static int indexOfStep(List<ConsumerRecord<byte[], byte[]>> values, long step) {
        UpdatesTopic.Reader reader = new UpdatesTopic.Reader(registry);
        for (int i = 0; i < values.size(); i++) {
            UpdatesTopic.Entry e = reader.read(values.get(i).value());
            if (e.update() != null && e.update().step() == step) {
                return i;
            }
        }
        throw new AssertionError("no record of step " + step);
    }

    private static List<byte[]> raw(List<ConsumerRecord<byte[], byte[]>> values) {
        List<byte[]> out = new java.util.ArrayList<>();
        values.forEach(v -> out.add(v.value()));
        return out;
    }

    /** The values with the one at {@code at} replaced by {@code r}, written as a format 1-3 record. */
    private static List<byte[]> replaced(List<ConsumerRecord<byte[], byte[]>> values, int at, UpdateRecord r) {
        List<byte[]> out = raw(values);
        out.set(at, io.seedflow.connectors.kafka.RegistryAvroSerializer.forClass(io.seedflow.schemas.ModelUpdate.class,
                registry).serialize("tamper-copies", io.seedflow.connectors.log.UpdateRecordCodec.toAvro(r)));
        return out;
    }

    private static InProcessCli.Run audit(Path publicKey) throws Exception {
        return InProcessCli.run("audit", "--bootstrap-servers", kafka.bootstrapServers(), "--registry-url",
                registryServer.url(), "--updates-topic", UPDATES, "--events-topic", EVENTS, "--dead-letter-topic",
                DEAD_LETTERS, "--verify-key", publicKey.toString());
    }

    /** The wire bytes of the seals and signed announcements per update record (docs/benchmarks.md §9). */
    private static void printSealBytes(int records) {
        long sealBytes = 0;
        long seals = 0;
        long recordBytes = 0;
        UpdatesTopic.Reader reader = new UpdatesTopic.Reader(registry);
        for (ConsumerRecord<byte[], byte[]> r : StreamingItSupport.readCommitted(kafka, UPDATES)) {
            UpdatesTopic.Entry e = reader.read(r.value());
            if (e.seal() != null) {
                seals++;
                sealBytes += r.value().length;
            } else if (e.update() != null) {
                recordBytes += r.value().length;
            }
        }
        System.out.printf("signed log: %d records, %d bytes of records on the wire (%.1f per record); %d seals, %d "
                + "bytes (%.1f per seal, %.2f per record)%n", records, recordBytes, (double) recordBytes / records,
                seals, sealBytes, (double) sealBytes / Math.max(1, seals), (double) sealBytes / records);
    }

    private static void publish(LogSeal seal) throws Exception {
        byte[] value = new UpdatesTopic.Writer(registry, UpdateLogEncoding.COMPACT)
                .write(ConfluentWireFormat.valueSubject(UPDATES), seal);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(UPDATES, MODEL.getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }

    private static ModelUpdateSubscriber subscriber(PublicKey key) {
        return subscriber(key, Duration.ofSeconds(60));
    }

    private static ModelUpdateSubscriber subscriber(PublicKey key, Duration bootstrapTimeout) {
        return ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(UPDATES).modelId(MODEL)
                .snapshotsFromAnnouncements().verifyKey(key).bootstrapTimeout(bootstrapTimeout)
                .pollTimeout(Duration.ofMillis(100)).build();
    }

    private static StreamingSettings settings(Path snapshots, Path signingKey, List<String> dataParallel) {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, 10);
        trainer.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, 4);
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        return StreamingSettings.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null))
                .eventsTopic(EVENTS).updatesTopic(UPDATES).deadLetterTopic(DEAD_LETTERS)
                .consumerGroup("signed-trainer").transactionalIdPrefix("signed")
                .modelSpec("mlp:" + FEATURES + "x6x" + CLASSES + ":relu").trainer(trainer)
                .checkpointInterval(Duration.ofMillis(300)).bounded(true).signingKey(signingKey.toString())
                .dataParallelModels(dataParallel)
                .build();
    }

    private static StreamExecutionEnvironment env(StreamingSettings settings, int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(parallelism);
        StreamingPipeline.build(env, settings);
        return env;
    }

    private static void produce(Random random, int n) throws Exception {
        produce(random, n, EVENTS);
    }

    private static void produce(Random random, int n, String topic) throws Exception {
        StreamingItSupport.produceEvents(kafka, registry, topic, MODEL, random, n, FEATURES, CLASSES);
    }
}
