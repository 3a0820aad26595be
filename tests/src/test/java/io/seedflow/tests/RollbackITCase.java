package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.replica.DirectorySnapshotSource;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.log.ExistingLogPolicy;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seedflow rollback} end to end (docs/update-log-spec.md §11), on a real broker and Flink MiniCluster.
 *
 * <p>Signed, then a restore: a signed job is stopped with a savepoint at step n; the rollback to version 3 appends
 * step n + 1 (signed, sealed); a verifying replica and a plain one with a snapshot folder, both running across it,
 * return to the weights of version 3 as computed here from the base snapshot and records 1..3. The job restored from
 * the savepoint takes the rollback up: its next record, step n + 2, is trained on those weights (it names the
 * rollback's snapshot as its base); both replicas and one started afterwards follow it to the end with the weights of
 * an independent replay; the audit passes and shows what was undone.
 *
 * <p>Unsigned, then a start without state: a rollback of a finished job's log, one-line refusals of a key the log
 * does not need and of a version that is not earlier, and a job started without state, training the model
 * data-parallel at parallelism 2, goes on from the rollback.
 */
class RollbackITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "rollback-model";
    private static final int FEATURES = 8;
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    @Test
    void aSignedRollbackIsFollowedByReplicasAndTakenUpByTheRestoredTrainer() throws Exception {
        String prefix = "rb-signed";
        createTopics(prefix);
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path privateKey = Files.writeString(dir.resolve("trainer.pem"), LogSignatures.pem(key.getPrivate()));
        Path publicKey = Files.writeString(dir.resolve("trainer.pub.pem"), LogSignatures.pem(key.getPublic()));
        Path snapshots = Files.createDirectories(dir.resolve("signed-snapshots"));
        Random random = new Random(7);
        produce(random, 80, prefix);

        JobClient job = env(settings(prefix, snapshots, privateKey, false, List.of()), new Configuration(), 1)
                .executeAsync("rollback-signed");
        awaitSteps(prefix, 8, Duration.ofSeconds(60));
        String savepoint = job.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
        List<UpdateRecord> before = records(prefix);
        int n = before.size();
        assertThat(n).isGreaterThanOrEqualTo(8);

        try (ModelUpdateSubscriber verifying = subscriber(prefix, b -> b.snapshotsFromAnnouncements()
                        .verifyKey(key.getPublic())).start();
                ModelUpdateSubscriber plain = subscriber(prefix, b -> b.snapshotSource(
                        new DirectorySnapshotSource(snapshots))).start()) {
            assertThat(verifying.awaitVersion(n, Duration.ofSeconds(30))).isTrue();
            assertThat(plain.awaitVersion(n, Duration.ofSeconds(30))).isTrue();

            InProcessCli.Run unsigned = InProcessCli.run(rollbackArgs(prefix, 3));
            assertThat(unsigned.code()).isEqualTo(1);
            assertThat(unsigned.err().strip()).doesNotContain("\n").contains("--signing-key")
                    .contains("the log of model '" + MODEL + "' is signed (its newest seal is of step " + n + ")");
            Path otherKey = Files.writeString(dir.resolve("other.pem"), LogSignatures.pem(
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate()));
            InProcessCli.Run wrongKey = InProcessCli.run(rollbackArgs(prefix, 3, "--signing-key", otherKey.toString()));
            assertThat(wrongKey.code()).isEqualTo(1);
            assertThat(wrongKey.err().strip()).doesNotContain("\n").contains("was not signed with this key");
            assertThat(rollbacks(prefix)).as("refusals write nothing").isEmpty();

            InProcessCli.Run rollback = InProcessCli.run(rollbackArgs(prefix, 3, "--reason", "bad labels in 4..n",
                    "--signing-key", privateKey.toString()));
            assertThat(rollback.code()).as(rollback.out() + rollback.err()).isZero();
            String version3 = replayed(snapshotAt(snapshots, 0), before.subList(0, 3)).parameters().weightsSha256();
            assertThat(rollback.out()).contains("rollback: model '" + MODEL + "' is at step " + (n + 1)
                    + " with the weights of version 3 (" + version3 + "); steps 4.." + n + " undone; signed and sealed");
            ModelRollback written = rollbacks(prefix).get(0);
            assertThat(written.step()).isEqualTo(n + 1);
            assertThat(written.reason()).isEqualTo("bad labels in 4..n");

            // both replicas return to version 3's weights, the verifying one once the seal over the rollback verifies
            assertThat(verifying.awaitVersion(n + 1, Duration.ofSeconds(30))).isTrue();
            assertThat(plain.awaitVersion(n + 1, Duration.ofSeconds(30))).isTrue();
            assertThat(verifying.weightsSha256()).isEqualTo(version3);
            assertThat(plain.weightsSha256()).isEqualTo(version3);

            // the trainer restored from its savepoint takes the rollback up and trains on from version 3's weights
            produce(random, 40, prefix);
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            JobClient restored = env(settings(prefix, snapshots, privateKey, false, List.of()), restore, 1)
                    .executeAsync("rollback-restored");
            awaitSteps(prefix, n + 4, Duration.ofSeconds(60)); // the 40 new events: 4 steps
            restored.cancel().get(30, TimeUnit.SECONDS);
            List<UpdateRecord> after = records(prefix);
            assertThat(after).hasSize(n + 4);
            List<UpdateRecord> continued = after.subList(n, after.size());
            assertThat(continued.get(0).step()).as("steps go on after the rollback").isEqualTo(n + 2);
            assertThat(continued.get(0).baseSnapshotId()).as("trained on the rolled-back weights")
                    .isEqualTo(written.snapshotSha256());
            long end = continued.get(continued.size() - 1).step();
            String expected = replayed(SnapshotStore.read(snapshots.resolve(written.snapshotSha256()
                    + ".safetensors"), written.snapshotSha256()), continued).parameters().weightsSha256();

            assertThat(verifying.awaitVersion(end, Duration.ofSeconds(60))).isTrue();
            assertThat(plain.awaitVersion(end, Duration.ofSeconds(60))).isTrue();
            assertThat(verifying.weightsSha256()).isEqualTo(expected);
            assertThat(plain.weightsSha256()).isEqualTo(expected);
            try (ModelUpdateSubscriber fresh = subscriber(prefix, b -> b.snapshotsFromAnnouncements()
                    .verifyKey(key.getPublic())).start()) {
                assertThat(fresh.awaitVersion(end, Duration.ofSeconds(60))).isTrue();
                assertThat(fresh.weightsSha256()).isEqualTo(expected);
            }
        }

        InProcessCli.Run audit = InProcessCli.run("audit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", registryServer.url(), "--updates-topic", prefix + "-updates", "--events-topic",
                prefix + "-events", "--dead-letter-topic", prefix + "-dead-letters", "--verify-key",
                publicKey.toString());
        assertThat(audit.code()).as(audit.out() + audit.err()).isZero();
        assertThat(audit.out()).contains("step " + (n + 1) + " (offset").contains(") rolls back to version 3, undoing "
                + "steps 4.." + n).contains("bad labels in 4..n").contains("every signature verifies");
        System.out.println(audit.out());
    }

    @Test
    void anUnsignedRollbackIsTakenUpByAJobWithoutStateTrainingDataParallel() throws Exception {
        String prefix = "rb-plain";
        createTopics(prefix);
        Path snapshots = Files.createDirectories(dir.resolve("plain-snapshots"));
        Random random = new Random(8);
        produce(random, 120, prefix);
        StreamingItSupport.runToEnd(env(settings(prefix, snapshots, null, true, List.of()), new Configuration(), 1),
                "rollback-plain-1", 120);
        List<UpdateRecord> before = records(prefix);
        int n = before.size();
        assertThat(n).isEqualTo(12);

        InProcessCli.Run keyed = InProcessCli.run(rollbackArgs(prefix, 4, "--signing-key",
                Files.writeString(dir.resolve("k.pem"), LogSignatures.pem(KeyPairGenerator.getInstance("Ed25519")
                        .generateKeyPair().getPrivate())).toString()));
        assertThat(keyed.code()).isEqualTo(1);
        assertThat(keyed.err().strip()).doesNotContain("\n").contains("--signing-key")
                .contains("the log of model '" + MODEL + "' is not signed");
        InProcessCli.Run notEarlier = InProcessCli.run(rollbackArgs(prefix, n));
        assertThat(notEarlier.code()).isEqualTo(1);
        assertThat(notEarlier.err().strip()).doesNotContain("\n").contains("--to-version").contains("=" + n)
                .contains("model '" + MODEL + "' is at version " + n + "; expected an earlier version, 0.." + (n - 1));
        InProcessCli.Run unknown = InProcessCli.run("rollback", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", registryServer.url(), "--updates-topic", prefix + "-updates", "--model-id", "nope",
                "--to-version", "1");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("seedflow: SeedFlowException: model 'nope' has no log on topic "
                + prefix + "-updates");
        assertThat(rollbacks(prefix)).as("refusals write nothing").isEmpty();

        InProcessCli.Run rollback = InProcessCli.run(rollbackArgs(prefix, 4));
        assertThat(rollback.code()).as(rollback.out() + rollback.err()).isZero();
        String version4 = replayed(snapshotAt(snapshots, 0), before.subList(0, 4)).parameters().weightsSha256();
        ModelRollback written = rollbacks(prefix).get(0);
        assertThat(written.weightsSha256()).isEqualTo(version4);

        produce(random, 60, prefix);
        StreamingItSupport.runToEnd(env(settings(prefix, snapshots, null, true, List.of(MODEL)), new Configuration(),
                2), "rollback-plain-2", 120);
        List<UpdateRecord> after = records(prefix);
        List<UpdateRecord> continued = after.subList(n, after.size());
        assertThat(continued).extracting(UpdateRecord::step).startsWith(14L, 15L);
        assertThat(continued.get(0).baseSnapshotId()).isEqualTo(written.snapshotSha256());
        long end = continued.get(continued.size() - 1).step();
        assertThat(end).as("the 60 new events, 6 steps").isEqualTo(19);
        String expected = replayed(SnapshotStore.read(snapshots.resolve(written.snapshotSha256() + ".safetensors"),
                written.snapshotSha256()), continued).parameters().weightsSha256();
        try (ModelUpdateSubscriber replica = subscriber(prefix, b -> b.snapshotsFromAnnouncements()).start()) {
            assertThat(replica.awaitVersion(end, Duration.ofSeconds(60))).isTrue();
            assertThat(replica.weightsSha256()).isEqualTo(expected);
        }
    }

    private static String[] rollbackArgs(String prefix, long toVersion, String... more) {
        List<String> args = new ArrayList<>(List.of("rollback", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", registryServer.url(), "--updates-topic", prefix + "-updates", "--model-id", MODEL,
                "--to-version", Long.toString(toVersion)));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** {@code records} applied to {@code base} in order. */
    private static Replica replayed(Snapshot base, List<UpdateRecord> records) {
        Replica replica = new Replica(MODEL, base.parameters(), base.step());
        records.forEach(replica::apply);
        return replica;
    }

    private static Snapshot snapshotAt(Path snapshots, long step) throws Exception {
        try (Stream<Path> files = Files.list(snapshots)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                    .map(f -> SnapshotStore.read(f, null)).filter(s -> s.step() == step).findFirst()
                    .orElseThrow(() -> new AssertionError("no snapshot of step " + step + " in " + snapshots));
        }
    }

    private static List<UpdateRecord> records(String prefix) {
        return StreamingItSupport.updateRecords(StreamingItSupport.readUpdatesTopic(kafka, registry,
                prefix + "-updates"));
    }

    private static List<ModelRollback> rollbacks(String prefix) {
        return StreamingItSupport.readUpdatesTopic(kafka, registry, prefix + "-updates").stream()
                .filter(e -> e.rollback() != null).map(UpdatesTopic.Entry::rollback).toList();
    }

    private static void awaitSteps(String prefix, int steps, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records(prefix).size() < steps) {
            assertThat(System.nanoTime()).as("%d committed steps within %s", steps, timeout).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static ModelUpdateSubscriber subscriber(String prefix,
            java.util.function.UnaryOperator<ModelUpdateSubscriber.Builder> snapshots) {
        return snapshots.apply(ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(prefix + "-updates").modelId(MODEL)
                .pollTimeout(Duration.ofMillis(100))).build();
    }

    private static void createTopics(String prefix) throws Exception {
        for (String topic : List.of("-events", "-updates", "-dead-letters")) {
            kafka.createTopic(prefix + topic, 1);
        }
    }

    /** @param signingKey null: unsigned */
    private static StreamingSettings settings(String prefix, Path snapshots, Path signingKey, boolean bounded,
            List<String> dataParallel) {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, 10);
        trainer.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, 5);
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        trainer.set(ZoTrainerOptions.EXISTING_LOG, ExistingLogPolicy.RESUME);
        StreamingSettings.Builder b = StreamingSettings.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).eventsTopic(prefix + "-events")
                .updatesTopic(prefix + "-updates").deadLetterTopic(prefix + "-dead-letters").consumerGroup(prefix)
                .transactionalIdPrefix(prefix).modelSpec("mlp:" + FEATURES + "x6x" + CLASSES + ":relu")
                .trainer(trainer).checkpointInterval(Duration.ofMillis(300)).bounded(bounded)
                .dataParallelModels(dataParallel);
        if (signingKey != null) {
            b.signingKey(signingKey.toString());
        }
        return b.build();
    }

    private static StreamExecutionEnvironment env(StreamingSettings settings, Configuration cluster, int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        env.setParallelism(parallelism);
        StreamingPipeline.build(env, settings);
        return env;
    }

    private static void produce(Random random, int n, String prefix) throws Exception {
        StreamingItSupport.produceEvents(kafka, registry, prefix + "-events", MODEL, random, n, FEATURES, CLASSES);
    }
}
