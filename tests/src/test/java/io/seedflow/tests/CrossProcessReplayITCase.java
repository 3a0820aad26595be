package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The invariant, across processes: 1,000 ZO steps trained here on real Fashion-MNIST (weight decay and cosine
 * schedule on, two perturbations per step) are replayed from the base snapshot and the Avro log by a separate JVM,
 * which must print the trainer's weights SHA-256. The child runs the scalar kernels, this JVM the vector ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossProcessReplayITCase {
    Path dir;

    ZoOfflineTraining.Result trained;

    @BeforeAll
    void train(@TempDir Path tempDir) {
        dir = tempDir;
        LabeledDataset train = FashionMnist.train(FashionMnist.defaultDir());
        LabeledDataset test = FashionMnist.test(FashionMnist.defaultDir()).head(1000);
        ZoOptions zo = ZoOptions.builder().learningRate(5e-4).epsilon(1e-3f).perturbations(2).weightDecay(1e-2)
                .schedule(LearningRateSchedule.COSINE).totalSteps(1000).runSeed(11).build();
        TrainingSettings s = new TrainingSettings("xproc", MlpSpec.parse("mlp:784x32x10:gelu"), zo, 1000, 32, 3, 4,
                500, 1000, dir, false);
        trained = ZoOfflineTraining.run(s, train, test);
    }

    @Test
    void thisJvmUsesTheVectorKernels() {
        // otherwise the cross-implementation half of the check below would be vacuous
        org.assertj.core.api.Assertions.assertThat(io.seedflow.core.tensor.VectorSupport.enabled()).isTrue();
    }

    @Test
    void separateJvmReproducesTrainerWeightsBitForBit() throws Exception {
        String expected = trained.finalSnapshot().weightsSha256();
        ChildJvm.Outcome o = ChildJvm.seedflow("replay", "--snapshot", trained.baseSnapshot().path().toString(),
                "--log", trained.updateLog().toString(), "--expect-weights-sha256", expected);
        assertThat(o.output()).contains("replayed 1000 records").contains("version=1000")
                .contains("weights-sha256=" + expected);
        assertThat(o.exitCode()).as(o.output()).isZero();
        // the model actually moved: the replayed weights are not the base weights
        assertThat(expected).isNotEqualTo(trained.baseSnapshot().weightsSha256());
    }

    @Test
    void separateJvmRefusesAGappedLog() throws Exception {
        Path gapped = dir.resolve("gapped.avro");
        List<UpdateRecord> all = UpdateLogFile.readAll(trained.updateLog());
        try (UpdateLogFile.Writer w = new UpdateLogFile.Writer(gapped)) {
            for (UpdateRecord r : all) {
                if (r.step() != 500) {
                    w.append(r);
                }
            }
        }
        ChildJvm.Outcome o = ChildJvm.seedflow("replay", "--snapshot", trained.baseSnapshot().path().toString(),
                "--log", gapped.toString());
        assertThat(o.exitCode()).as(o.output()).isEqualTo(1);
        assertThat(o.output()).contains("UpdateLogGapException").contains("expected step 500 but got step 501");
    }

    @Test
    void everyTrainingExampleOfTheRunIsAccountedForOnceByTheLineage() {
        List<UpdateRecord> all = UpdateLogFile.readAll(trained.updateLog());
        long expectedFrom = 0;
        for (UpdateRecord r : all) {
            assertThat(r.lineage()).hasSize(1);
            assertThat(r.lineage().get(0).fromOffset()).isEqualTo(expectedFrom);
            expectedFrom = r.lineage().get(0).untilOffset();
        }
        assertThat(expectedFrom).isEqualTo(1000L * 32);
    }
}
