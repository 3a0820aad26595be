package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seedflow.connectors.log.LogReplay;
import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.snapshot.FrozenBases;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.TensorSpec;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cross-language check of the spec: logs freshly produced by the Java trainer, written in format 4 (compact) as the
 * trainer does by default, with the records of formats 1 (q = 3 without decay, q = 1 with decay, a hand-made
 * SKIPPED_NON_FINITE record; that log also written in format 1), 2 (a magnitude mask with decay, a random mask with
 * the subspace correction) and 3 (a body-masked run with exact head deltas added by hand, applied by the Java replica)
 * and every checked-in golden replay are replayed by tools/independent-replica, a Python/NumPy replica written
 * from docs/update-log-spec.md alone, which must print the Java weights SHA-256; and both replicas must refuse the
 * corrupted inputs of {@link CorruptedInputs} with the same error of spec §8. Needs python3 with NumPy: CI
 * (.ci/run) installs it and sets SEEDFLOW_REQUIRE_PYTHON=1 so that a missing interpreter fails instead of skipping.
 */
class IndependentReplicaITCase {
    private static final List<String> HEAD = List.of("layers.1.weight", "layers.1.bias");
    static Path replicaScript;

    @BeforeAll
    static void findPython() throws Exception {
        replicaScript = Path.of(System.getProperty("seedflow.repo.dir", ".."), "tools", "independent-replica",
                "replica.py").toAbsolutePath().normalize();
        boolean numpy = run(List.of("python3", "-c", "import numpy")).exitCode() == 0;
        if (!numpy && "1".equals(System.getenv("SEEDFLOW_REQUIRE_PYTHON"))) {
            throw new IllegalStateException("python3 with NumPy is required (SEEDFLOW_REQUIRE_PYTHON=1) but missing");
        }
        assumeTrue(numpy, "python3 with NumPy not available: independent replica not run");
        assertThat(replicaScript).exists();
    }

    @Test
    void pythonReplicaMatchesJavaTrainerWithThreePerturbationsAndNoDecay(@TempDir Path dir) throws Exception {
        ZoOfflineTraining.Result r = train(dir, ZoOptions.builder().learningRate(5e-4).perturbations(3).runSeed(9)
                .build());
        assertPythonReplays(r.baseSnapshot().path(), r.updateLog(), r.finalSnapshot().weightsSha256());
    }

    @Test
    void pythonReplicaMatchesJavaTrainerWithDecayClipAndASkippedStep(@TempDir Path dir) throws Exception {
        ZoOfflineTraining.Result r = train(dir, ZoOptions.builder().learningRate(5e-4).weightDecay(0.05)
                .gradientClip(5).runSeed(10).build());
        List<UpdateRecord> records = UpdateLogFile.readAll(r.updateLog());
        UpdateRecord last = records.get(records.size() - 1);
        Path log = dir.resolve("with-skip.avro");
        try (UpdateLogFile.Writer w = new UpdateLogFile.Writer(log)) {
            records.forEach(w::append);
            w.append(new UpdateRecord(1, last.modelId(), last.baseSnapshotId(), last.step() + 1,
                    UpdateStatus.SKIPPED_NON_FINITE, 1f, List.of(), last.epsilon(), last.learningRate(),
                    last.batchSize(), List.of(new Lineage("offline:x", 0, 0, 16)), 0L));
        }
        String javaSha = LogReplay.replay(r.baseSnapshot().path(), null, log).weightsSha256();
        assertThat(javaSha).isEqualTo(r.finalSnapshot().weightsSha256());
        assertPythonReplays(r.baseSnapshot().path(), log, javaSha);
        // the same records as format 1 (the trainer's log is format 4, the default)
        Path full = HeadDeltaLogs.write(UpdateLogFile.readAll(log), dir.resolve("with-skip-full.avro"),
                UpdateLogEncoding.FULL);
        assertPythonReplays(r.baseSnapshot().path(), full, javaSha);
    }

    @Test
    void pythonReplicaMatchesJavaTrainerWithAMagnitudeMaskAndDecay(@TempDir Path dir) throws Exception {
        ZoOfflineTraining.Result r = train(dir, ZoOptions.builder().learningRate(1e-3).weightDecay(1e-2).runSeed(11)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.7, 40, List.of())).build());
        assertThat(UpdateLogFile.readAll(r.updateLog())).allMatch(u -> u.formatVersion() == 2 && u.mask() != null);
        assertPythonReplays(r.baseSnapshot().path(), r.updateLog(), r.finalSnapshot().weightsSha256());
    }

    @Test
    void pythonReplicaMatchesJavaTrainerWithARandomMaskAndTheSubspaceCorrection(@TempDir Path dir) throws Exception {
        ZoOfflineTraining.Result r = train(dir, ZoOptions.builder().learningRate(1e-3).runSeed(12)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.RANDOM, 0.5, 30, List.of()))
                .subspace(new SubspaceOptions(HEAD, 10, 0.2)).build());
        List<UpdateRecord> log = UpdateLogFile.readAll(r.updateLog());
        assertThat(log.stream().filter(u -> u.subspace() != null && !u.subspace().removed().isEmpty()).count())
                .as("records with a correction").isGreaterThan(50);
        assertPythonReplays(r.baseSnapshot().path(), r.updateLog(), r.finalSnapshot().weightsSha256());
    }

    /**
     * Format 3 before the trainer produces it: a run whose mask trains the body only, each record given an exact
     * head delta by hand ({@link HeadDeltaLogs}), applied by the Java replica, written as a log and replayed.
     */
    @Test
    void pythonReplicaMatchesJavaReplicaOnAFormatThreeLog(@TempDir Path dir) throws Exception {
        ZoOfflineTraining.Result r = train(dir, ZoOptions.builder().learningRate(1e-3).weightDecay(1e-2).runSeed(13)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.RANDOM, 0.5, 30,
                        List.of("layers.0.weight", "layers.0.bias"))).build());
        List<TensorSpec> specs = SnapshotStore.read(r.baseSnapshot().path(), null).parameters().specs();
        List<UpdateRecord> records = HeadDeltaLogs.withHeadDeltas(UpdateLogFile.readAll(r.updateLog()), specs, 2, 3);
        assertThat(records).allMatch(u -> u.formatVersion() == 3 && u.mask().tensors().size() == 2);
        Path log = HeadDeltaLogs.write(records, dir.resolve("head-delta.avro"));
        String javaSha = LogReplay.replay(r.baseSnapshot().path(), null, log).weightsSha256();
        assertThat(javaSha).isNotEqualTo(r.finalSnapshot().weightsSha256());
        assertPythonReplays(r.baseSnapshot().path(), log, javaSha);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"replay-v1", "replay-v2-magnitude-subspace", "replay-v2-random-selection",
            "replay-v3-head-delta", "replay-v4-compact"})
    void pythonReplicaReproducesEveryGoldenReplay(String name) throws Exception {
        Path dir = Path.of(getClass().getResource("/golden/" + name).toURI());
        Path snapshot;
        try (var files = Files.list(dir)) {
            snapshot = files.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        assertPythonReplays(snapshot, dir.resolve("updates.avro"), Files.readString(dir.resolve("weights.sha256"))
                .strip());
    }

    /** The third family, added through the plug-in seam: its snapshot and masked records replay in Python too. */
    @Test
    void pythonReplicaMatchesJavaTrainerOnTheLinearFamily(@TempDir Path dir) throws Exception {
        ZoOfflineTraining.Result r = train(dir, ModelSpecs.parse("linear:784x10"), ZoOptions.builder()
                .learningRate(1e-3).perturbations(2).runSeed(12)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.5, 40, List.of())).build());
        assertPythonReplays(r.baseSnapshot().path(), r.updateLog(), r.finalSnapshot().weightsSha256());
    }

    /**
     * A frozen base (spec §2.1): LoRA adapters over the MLP's first layer with the exact head (format-3 records), the
     * snapshot holding the adapters and the head and naming the base stored beside it. The Python replica finds and
     * checks the base and replays the log to the Java weights; both refuse the snapshot when the base beside it is
     * another one.
     */
    @Test
    void pythonReplicaMatchesJavaTrainerOnLoraAdaptersOverAFrozenBase(@TempDir Path dir) throws Exception {
        ModelSpec lora = ModelSpecs.parse("lora:4:0:mlp:784x12x10:relu");
        ZoOfflineTraining.Result r = train(dir, lora, ZoOptions.builder().learningRate(1e-3).headLearningRate(0.05)
                .runSeed(14).build());
        assertThat(UpdateLogFile.readAll(r.updateLog())).allMatch(u -> u.headDelta() != null);
        Snapshot base = SnapshotStore.read(r.baseSnapshot().path(), null);
        String baseId = base.metadata().get(SafetensorsFormat.KEY_FROZEN_BASE);
        assertThat(base.parameters().base().sha256()).isEqualTo(baseId);
        assertThat(r.baseSnapshot().path().resolveSibling(baseId + ".safetensors")).exists();
        assertPythonReplays(r.baseSnapshot().path(), r.updateLog(), r.finalSnapshot().weightsSha256());

        Path other = Files.createDirectories(dir.resolve("other-base"));
        Path snapshot = Files.copy(r.baseSnapshot().path(), other.resolve(r.baseSnapshot().path().getFileName()));
        Files.write(other.resolve(baseId + ".safetensors"), FrozenBases.encoded(
                lora.newModel().initialize(99).base()).bytes());
        FrozenBases.forget(baseId);
        assertThatThrownBy(() -> SnapshotStore.read(snapshot, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("SHA-256 mismatch");
        ChildJvm.Outcome o = run(List.of("python3", replicaScript.toString(), "--snapshot", snapshot.toString(),
                "--log", r.updateLog().toString()));
        assertThat(o.exitCode()).as(o.output()).isEqualTo(2);
        assertThat(o.output()).contains("refused: SnapshotIntegrityError").contains("SHA-256 mismatch");
    }

    /**
     * The replica's self-checks (spec §3 known answers, its fma against exact arithmetic, refusals, the model-spec
     * rules), among them the hex fixtures of spec §9 replayed onto golden/model-update-weights.safetensors: their
     * weights SHA-256 reproduced from files alone.
     */
    @Test
    void pythonSelfChecksPassIncludingTheHexFixtures() throws Exception {
        ChildJvm.Outcome o = run(List.of("python3", replicaScript.resolveSibling("selfcheck.py").toString(), "--n",
                "2000"));
        assertThat(o.output()).contains("PASS  model-update-v3.hex on model-update-weights.safetensors")
                .contains("PASS  model-update-v4.hex on model-update-weights.safetensors").contains("0 failure(s)");
        assertThat(o.exitCode()).as(o.output()).isZero();
    }

    /**
     * Inputs the spec says how to refuse (§1 model specs, §4 lineage offsets, §7 a file of another schema), and a
     * few it accepts: the Python replica and Java's replay must each reach the outcome the spec requires, the same §8
     * error or the same weights.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.seedflow.tests.CorruptedInputs#all")
    void pythonAndJavaTreatEveryCorruptedInputAlike(CorruptedInputs.Case c, @TempDir Path dir) throws Exception {
        Path[] written = c.writer().write(dir);
        String java = CorruptedInputs.javaOutcome(written);
        ChildJvm.Outcome o = run(List.of("python3", replicaScript.toString(), "--snapshot", written[0].toString(),
                "--log", written[1].toString()));
        String python = o.exitCode() == 0 ? o.output().lines().filter(l -> l.startsWith("weights-sha256="))
                .map(l -> CorruptedInputs.APPLIED + " " + l).findFirst().orElse(o.output())
                : o.output().replaceAll("(?s).*refused: (\\w+)Error: .*", "$1Exception");
        assertThat(java).as("Java's outcome").startsWith(c.expected());
        assertThat(python).as("Python's outcome, exit %d: %s", o.exitCode(), o.output()).isEqualTo(java);
        assertThat(o.exitCode()).isEqualTo(java.startsWith(CorruptedInputs.APPLIED) ? 0 : 2);
    }

    private static ZoOfflineTraining.Result train(Path dir, ZoOptions zo) {
        return train(dir, MlpSpec.parse("mlp:784x12x10:relu"), zo);
    }

    private static ZoOfflineTraining.Result train(Path dir, ModelSpec spec, ZoOptions zo) {
        LabeledDataset train = FashionMnist.train(FashionMnist.defaultDir());
        LabeledDataset test = FashionMnist.test(FashionMnist.defaultDir()).head(500);
        TrainingSettings s = new TrainingSettings("py-check", spec, zo, 120, 16, 1, 2, 120, 500, dir, false);
        return ZoOfflineTraining.run(s, train, test);
    }

    private static void assertPythonReplays(Path snapshot, Path log, String expected) throws Exception {
        ChildJvm.Outcome o = run(List.of("python3", replicaScript.toString(), "--snapshot", snapshot.toString(),
                "--log", log.toString(), "--expect-weights-sha256", expected));
        assertThat(o.output()).contains("weights-sha256=" + expected);
        assertThat(o.exitCode()).as(o.output()).isZero();
    }

    private static ChildJvm.Outcome run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        return new ChildJvm.Outcome(p.exitValue(), out);
    }
}
