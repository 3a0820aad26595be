package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.tests.InProcessCli.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
    @TempDir
    Path dir;

    private static Run run(String... args) {
        return InProcessCli.run(args);
    }

    @Test
    void helpListsTheSubcommands() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("demo").contains("train-offline").contains("replay").contains("replica");
    }

    /** A command that finds no broker at --bootstrap-servers says so in one line. */
    @Test
    void noBrokerAtTheBootstrapServersIsOneLine() {
        Run r = run("rollback", "--bootstrap-servers", "localhost:1", "--registry-url", "http://localhost:2",
                "--model-id", "m", "--to-version", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").isEqualTo("seedflow: TimeoutException: Timeout expired "
                + "while fetching topic metadata (is a Kafka broker reachable at --bootstrap-servers?)");
    }

    /** The help describes the logs as they are written since format 4 became the default. */
    @Test
    void replayAndTrainOfflineHelpDescribeBothLogEncodings() {
        Run replay = run("replay", "--help");
        assertThat(replay.code()).isZero();
        assertThat(replay.out().replaceAll("\\s+", " ")).contains("CompactModelUpdate records (format 4")
                .contains("ModelUpdate records (formats 1 to 3");
        Run train = run("train-offline", "--help");
        assertThat(train.out()).contains("--log-encoding=compact|full");
    }

    @Test
    void runRefusesBadSettingsBeforeSubmittingAnything() {
        String[] base = {"run", "--bootstrap-servers", "localhost:1", "--registry-url", "http://localhost:2",
            "--snapshot-dir", dir.toUri().toString()};
        assertOneLine(run(concat(base, "--conf", "seedflow.zo.learning-rat=0.1")),
                "unknown setting 'seedflow.zo.learning-rat'", "seedflow.zo.learning-rate");
        assertOneLine(run(concat(base, "--batch-size", "0")), "invalid value --batch-size=0",
                "expected an integer, in [1, 65536]");
        assertOneLine(run(concat(base, "--batch-size", "-3")), "invalid value --batch-size=-3");
        assertOneLine(run(concat(base, "--learning-rate", "abc")), "invalid value --learning-rate=abc",
                "expected a number, finite and > 0");
        assertOneLine(run(concat(base, "--checkpoint-interval", "soon")), "--checkpoint-interval=soon",
                "expected a duration such as 250ms");
        assertOneLine(run(concat(base, "--checkpoint-interval", "5")), "--checkpoint-interval=5",
                "expected a duration");
        assertOneLine(run(concat(base, "--holdout-topic", "seedflow-events")), "holdout topic",
                "seedflow-events");
        assertOneLine(run(concat(base, "--parallelism", "0")), "invalid value --parallelism=0",
                "expected an integer in [1, 32768]");
        assertOneLine(run(concat(base, "--data-parallel-models", "m,m")), "invalid value --data-parallel-models=m,m",
                "distinct");
        assertOneLine(run(concat(base, "--data-parallel-models", "m", "--variant", "conservative")),
                "invalid value --variant=CONSERVATIVE", "which no subtask holds at trainer parallelism");
        assertOneLine(run(concat(base, "--conf", "seedflow.zo.sparse.mask=MAGNITUDE", "--conf",
                "seedflow.zo.sparse.sparsity=1.0")), "--conf seedflow.zo.sparse.sparsity=1.0", "in [0, 1)");
        assertOneLine(run(concat(base, "--mask", "MAGNITUDE")), "--sparsity=0.0", "when --mask=MAGNITUDE");
        assertOneLine(run(concat(base, "--variant", "momentum", "--perturbations", "4")),
                "invalid value --perturbations=4", "must be 1 with --variant=MOMENTUM");
        assertOneLine(run(concat(base, "--conf", "seedflow.zo.subspace.tensors=layers.2.weight")),
                "--subspace-tensors=layers.2.weight", "is not a tensor of this model", "layers.1.bias");
        assertOneLine(run(concat(base, "--conf", "seedflow.compute.backend=TPU")),
                "--conf seedflow.compute.backend=TPU", "one of [AUTO, CPU, GPU]");
        assertOneLine(run(concat(base, "--dead-letter-max-bytes", "-5")), "--dead-letter-max-bytes=-5",
                "0 to 67108864 bytes");
        assertOneLine(run(concat(base, "--dead-letter-max-bytes", "100000000")),
                "--dead-letter-max-bytes=100000000");
        assertOneLine(run(concat(base, "--dead-letter-max-bytes", "1MB")), "--dead-letter-max-bytes=1MB",
                "expected an integer");
        Run missing = run("run", "--bootstrap-servers", "localhost:1");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().strip()).doesNotContain("\n").contains("--registry-url").contains("--snapshot-dir")
                .contains("see seedflow run --help");
    }

    @Test
    void trainOfflineMistakesNameTheFlagAndLeaveNoOutput() {
        Path out = dir.resolve("never-written");
        assertOneLine(run("train-offline", "--batch", "-3", "--out", out.toString()), "invalid value --batch-size=-3",
                "in [1, 65536]");
        assertOneLine(run("train-offline", "--steps", "-5", "--out", out.toString()), "invalid value --steps=-5",
                ">= 1");
        assertOneLine(run("train-offline", "--lr", "0", "--out", out.toString()), "invalid value --learning-rate=0",
                "finite and > 0");
        assertOneLine(run("train-offline", "--schedule", "cosine", "--warmup", "-1", "--out", out.toString()),
                "invalid value --warmup-steps=-1");
        assertThat(out).doesNotExist();
        Run usage = run("train-offline", "--bogus");
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err().strip()).doesNotContain("\n").contains("Unknown option: '--bogus'");
    }

    /**
     * {@code train-offline --log-encoding full} writes the log as ModelUpdate records of format 1 (with the monitoring
     * fields), which {@code replay} turns into exactly the weights of the default compact log of the same run.
     */
    @Test
    void trainOfflineWritesAFullLogOnRequestThatReplaysToTheCompactLogsWeights() throws Exception {
        String[] common = {"train-offline", "--model", "mlp:784x8x10:relu", "--steps", "12", "--batch", "16",
            "--eval-every", "12", "--eval-examples", "64", "--no-progress"};
        Path compact = dir.resolve("compact");
        Path full = dir.resolve("full");
        assertThat(run(concat(common, "--out", compact.toString())).code()).isZero();
        Run trained = run(concat(common, "--log-encoding", "full", "--out", full.toString()));
        assertThat(trained.code()).as(trained.err()).isZero();

        assertThat(schemaName(compact.resolve("updates.avro"))).isEqualTo(CompactModelUpdate.getClassSchema()
                .getFullName());
        assertThat(schemaName(full.resolve("updates.avro"))).isEqualTo(ModelUpdate.getClassSchema().getFullName());
        List<UpdateRecord> records = UpdateLogFile.readAll(full.resolve("updates.avro"));
        assertThat(records).hasSize(12).allMatch(r -> r.formatVersion() == 1 && Float.isFinite(r.epsilon())
                && Float.isFinite(r.perturbations().get(0).lossPlus()));

        Path base = snapshotAtStep(full, 0);
        assertThat(base.getFileName()).isEqualTo(snapshotAtStep(compact, 0).getFileName());
        String fromCompact = replayedWeights(base, compact.resolve("updates.avro"));
        assertThat(replayedWeights(base, full.resolve("updates.avro"))).isEqualTo(fromCompact)
                .isEqualTo(SnapshotStore.read(snapshotAtStep(full, 12), null).parameters().weightsSha256());
    }

    @Test
    void trainOfflineLogEncodingMistakesGetOneLine() {
        Path out = dir.resolve("never-written");
        Run bad = run("train-offline", "--log-encoding", "zip", "--out", out.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).doesNotContain("\n").contains("--log-encoding").contains("'zip'")
                .contains("COMPACT, FULL");
        assertOneLine(run("train-offline", "--algorithm", "backprop", "--log-encoding", "full", "--out",
                out.toString()), "invalid value --log-encoding=full", "only with --algorithm zo");
        assertThat(out).doesNotExist();
    }

    private static String schemaName(Path log) throws Exception {
        try (DataFileReader<Object> in = new DataFileReader<>(log.toFile(), new GenericDatumReader<>())) {
            return in.getSchema().getFullName();
        }
    }

    private static Path snapshotAtStep(Path out, long step) throws Exception {
        try (var files = Files.list(out.resolve("snapshots"))) {
            return files.filter(p -> SnapshotStore.read(p, null).step() == step).findFirst().orElseThrow();
        }
    }

    private static String replayedWeights(Path snapshot, Path log) {
        Run r = run("replay", "--snapshot", snapshot.toString(), "--log", log.toString());
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().lines().filter(l -> l.startsWith("weights-sha256=")).findFirst().orElseThrow()
                .substring("weights-sha256=".length());
    }

    @Test
    void demoDurationNeedsAUnit() {
        Run r = run("demo", "--duration", "180");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("'180' has no unit");
        assertOneLine(run("demo", "--batch-size", "0"), "invalid value --batch-size=0");
    }

    @Test
    void demoDataSetAndModelMistakesGetOneLine() {
        assertOneLine(run("demo", "--dataset", "mnist"), "invalid value --dataset=mnist",
                "one of fashion-mnist, spam-assassin");
        assertOneLine(run("demo", "--dataset", "spam-assassin", "--model", "mlp:784x64x10:relu"),
                "invalid value --model=mlp:784x64x10:relu", "a text model of 2 classes");
        assertOneLine(run("demo", "--model", "encoder:all-minilm-l6-v2:2"), "invalid value --model=",
                "784 dense features and 10 classes");
        assertOneLine(run("demo", "--model", "nonsense"), "invalid value --model=nonsense", "unknown model family");
        assertOneLine(run("demo", "--dataset", "spam-assassin", "--events", "-1"), "events=-1");
    }

    @Test
    void toolMistakesGetOneLineNamingTheFlagAndValue() throws Exception {
        String[] produce = {"produce", "--bootstrap-servers", "localhost:1", "--registry-url", "http://localhost:2"};
        assertOneLine(run(concat(produce, "--dataset", "mnist")), "--dataset: unknown data set 'mnist'",
                "fashion-mnist-train or fashion-mnist-test");
        assertOneLine(run(concat(produce, "--dataset", "fashion-mnist-test", "--limit", "0")), "--limit",
                "got 0");
        Path file = Files.writeString(dir.resolve("e.jsonl"), "{\"features\":[1],\"label\":0}\n");
        assertOneLine(run(concat(produce, "--file", file.toString(), "--limit", "5")), "--limit 5",
                "only with --dataset");
        assertOneLine(run(concat(produce, "--file", file.toString(), "--poison-every", "10")),
                "--poison-every 10", "only with --dataset");
        assertOneLine(run(concat(produce, "--file", dir.resolve("missing.jsonl").toString())), "--file",
                "missing.jsonl", "is not a readable file");
        assertOneLine(run(concat(produce, "--dataset", "fashion-mnist-test", "--rate", "-1")), "rate",
                "got -1.0");
        assertOneLine(run(concat(produce, "--file", file.toString())), "produce: stopped after 0 events",
                "http://localhost:2");
        Run both = run(concat(produce, "--dataset", "fashion-mnist-test", "--file", file.toString()));
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--dataset").contains("--file").contains("mutually exclusive");
        Run neither = run(produce);
        assertThat(neither.code()).isEqualTo(2);
        assertThat(neither.err()).contains("--dataset").contains("--file");

        assertOneLine(run("registry", "--port", "70000", "--data-dir", dir.toString()), "--port",
                "got 70000");
        Run noDir = run("registry", "--port", "0");
        assertThat(noDir.code()).isEqualTo(2);
        assertThat(noDir.err()).contains("--data-dir");
        assertOneLine(run("broker", "--port", "-2"), "--port", "got -2");
        assertOneLine(run("broker", "--port", "0", "--partitions", "0"), "--partitions", "got 0");
        assertOneLine(run("bench-streaming", "--model", "encoder:all-minilm-l6-v2:2", "--parts", "checkpoint"),
                "--parts", "throughput and freshness for an encoder");
        assertOneLine(run("bench-streaming", "--conf", "seedflow.zo.nope=1"), "--conf seedflow.zo.nope=1",
                "unknown setting");
        assertOneLine(run("demo", "--kafka-port", "70000"), "kafka-port=70000", "0 (any free port) or 1..65535");
        assertOneLine(run("demo", "--registry-port", "-1"), "registry-port=-1", "0 (any free port) or 1..65535");
    }

    private static void assertOneLine(Run r, String... parts) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("seedflow: ").doesNotContain("\n").doesNotContain("\tat ");
        for (String p : parts) {
            assertThat(r.err()).contains(p);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void invalidLearningRateNamesTheSetting() {
        assertOneLine(run("train-offline", "--lr", "-1", "--steps", "1", "--out", dir.toString()),
                "--learning-rate=-1", "finite and > 0");
    }

    @Test
    void encoderMistakesGetOneLineNamingTheValue() {
        Run unknownEncoder = run("train-offline", "--model", "encoder:minilm-l12:2", "--out", dir.toString());
        assertThat(unknownEncoder.code()).isEqualTo(1);
        assertThat(unknownEncoder.err().strip()).doesNotContain("\n").contains("encoder:minilm-l12:2")
                .contains("all-minilm-l6-v2");
        Run backprop = run("train-offline", "--model", "encoder:all-minilm-l6-v2:2", "--algorithm", "backprop",
                "--out", dir.toString());
        assertThat(backprop.code()).isEqualTo(1);
        assertThat(backprop.err().strip()).doesNotContain("\n").contains("--algorithm").contains("backprop");
        Run method = run("study", "--model", "encoder:all-minilm-l6-v2:2:64", "--methods", "offline/full-zo",
                "--out", dir.toString());
        assertThat(method.code()).isEqualTo(1);
        assertThat(method.err().strip()).doesNotContain("\n").contains("offline/full-zo")
                .contains("prequential/full-zo");
        Run tooLong = run("study", "--model", "encoder:all-minilm-l6-v2:2:513", "--out", dir.toString());
        assertThat(tooLong.code()).isEqualTo(1);
        assertThat(tooLong.err().strip()).doesNotContain("\n").contains("513").contains("1..512");
    }

    @Test
    void corruptSnapshotIsRefusedWithBothHashes() throws Exception {
        Path snap = dir.resolve("0".repeat(64) + ".safetensors");
        Files.write(snap, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
        Path log = dir.resolve("log.avro");
        Files.write(log, new byte[0]);
        Run r = run("replay", "--snapshot", snap.toString(), "--log", log.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("SnapshotIntegrityException").contains("expected " + "0".repeat(64));
    }

    @Test
    void replayRefusesASnapshotWhoseTensorOrderIsNotItsModelSpecs() throws Exception {
        String spec = "mlp:4x3x2:relu";
        List<TensorSpec> swapped = new ArrayList<>(MlpSpec.parse(spec).tensorSpecs());
        Collections.swap(swapped, 2, 3);
        Path snap = writeSnapshot(SafetensorsFormat.encode(new ParameterSet(swapped), "m", 0, spec));
        Run r = run("replay", "--snapshot", snap.toString(), "--log", emptyLog().toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("seedflow: TensorShapeMismatchException: ").contains("model spec " + spec)
                .contains("tensor 2 is layers.1.bias[2], expected layers.1.weight[2, 3]");
        assertThat(r.err().strip()).doesNotContain("\n").doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("replayed");
    }

    @Test
    void replayRefusesANonNumericStep() throws Exception {
        String spec = "mlp:4x3x2:relu";
        byte[] bytes = SafetensorsFormat.encode(new ParameterSet(MlpSpec.parse(spec).tensorSpecs()), "m", 4242, spec);
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("\"seedflow.step\":\"4242\"",
                "\"seedflow.step\":\"42.x\"");
        Path snap = writeSnapshot(text.getBytes(StandardCharsets.ISO_8859_1));
        Run r = run("replay", "--snapshot", snap.toString(), "--log", emptyLog().toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("seedflow: SnapshotIntegrityException: ")
                .contains("seedflow.step must be a non-negative decimal integer").contains("got '42.x'");
        assertThat(r.err().strip()).doesNotContain("\n");
    }

    private Path writeSnapshot(byte[] bytes) throws Exception {
        Path snap = dir.resolve(SafetensorsFormat.sha256(bytes) + ".safetensors");
        Files.write(snap, bytes);
        return snap;
    }

    private Path emptyLog() throws Exception {
        Path log = dir.resolve("log.avro");
        Files.write(log, new byte[0]);
        return log;
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run("replay", "--snapshot", "a", "--log", "b", "--bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--bogus'");
    }

    @Test
    void replicaWithoutModelIdIsAUsageError() {
        Run r = run("replica", "--bootstrap-servers", "localhost:9092", "--registry-url", "http://localhost:8081",
                "--snapshot-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required option: '--model-id=<modelId>'");
    }

    @Test
    void replicaRefusesASnapshotDirThatIsNoDirectory() {
        Path missing = dir.resolve("no-such-dir");
        Run r = run("replica", "--bootstrap-servers", "localhost:9092", "--registry-url", "http://localhost:8081",
                "--model-id", "m", "--snapshot-dir", missing.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--snapshot-dir: '" + missing + "' is not a directory");
    }

    @Test
    void replicaRefusesAnInvalidPortBeforeConnecting() {
        Run r = run("replica", "--bootstrap-servers", "localhost:9092", "--registry-url", "http://localhost:8081",
                "--model-id", "m", "--snapshot-dir", dir.toString(), "--port", "70000");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("seedflow.serving.port=70000").contains("must be in [0, 65535]");
    }
}
