package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.seedflow.connectors.log.LogReplay;
import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-language check of the spec: logs freshly produced by the Java trainer (q = 3 without decay, q = 1 with decay,
 * a hand-made SKIPPED_NON_FINITE record) are replayed by tools/independent-replica, a Python/NumPy replica written
 * from docs/update-log-spec.md alone, which must print the trainer's weights SHA-256. Needs python3 with NumPy: CI
 * (.ci/run) installs it and sets SEEDFLOW_REQUIRE_PYTHON=1 so that a missing interpreter fails instead of skipping.
 */
class IndependentReplicaITCase {
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
    }

    private static ZoOfflineTraining.Result train(Path dir, ZoOptions zo) {
        LabeledDataset train = FashionMnist.train(FashionMnist.defaultDir());
        LabeledDataset test = FashionMnist.test(FashionMnist.defaultDir()).head(500);
        TrainingSettings s = new TrainingSettings("py-check", MlpSpec.parse("mlp:784x12x10:relu"), zo, 120, 16, 1, 2,
                120, 500, dir, false);
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
