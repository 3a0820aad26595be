package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import io.seedflow.text.SpamAssassinTokens;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The invariant for the pretrained encoder, across processes: MiniLM fine-tuned here on real SpamAssassin mails
 * (dense ZO; Sparse MeZO with a magnitude mask and the embeddings frozen; the ElasticZO hybrid with an exact-gradient
 * head) is replayed from its base snapshot and Avro log by a separate JVM running the scalar kernels (this one runs
 * the vector kernels), which must print the trainer's weights SHA-256.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncoderCrossProcessReplayITCase {
    static final EncoderSpec SPEC = EncoderSpec.parse("encoder:all-minilm-l6-v2:2:24");
    static final int STEPS = 5;

    SpamAssassinTokens corpus;
    Path dir;

    @BeforeAll
    void load(@TempDir Path tempDir) {
        dir = tempDir;
        corpus = SpamAssassinTokens.load(SpamAssassinCorpus.defaultDir(), SPEC.maxTokens());
    }

    @Test
    void denseLogReplaysBitForBitInAnotherJvm() throws Exception {
        List<UpdateRecord> records = check("dense", ZoOptions.builder().learningRate(1e-5).runSeed(21)
                .totalSteps(STEPS).build());
        assertThat(records).allSatisfy(r -> assertThat(r.mask()).isNull()).allSatisfy(r -> assertThat(r.headDelta())
                .isNull());
    }

    @Test
    void maskedLogWithFrozenEmbeddingsReplaysBitForBitInAnotherJvm() throws Exception {
        List<String> body = SPEC.tensorSpecs().stream().map(t -> t.name()).filter(n -> !n.startsWith("embeddings."))
                .toList();
        List<UpdateRecord> records = check("masked", ZoOptions.builder().learningRate(1e-5).runSeed(22)
                .totalSteps(STEPS).sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.75, 2, body))
                .build());
        assertThat(records).allSatisfy(r -> assertThat(r.mask()).isNotNull());
    }

    @Test
    void hybridLogWithExactHeadDeltasReplaysBitForBitInAnotherJvm() throws Exception {
        List<UpdateRecord> records = check("hybrid", ZoOptions.builder().learningRate(1e-5).runSeed(23)
                .totalSteps(STEPS).headLearningRate(1.0).build());
        assertThat(records).allSatisfy(r -> assertThat(r.headDelta()).isNotNull());
    }

    private List<UpdateRecord> check(String name, ZoOptions zo) throws Exception {
        TrainingSettings s = new TrainingSettings("xproc-encoder-" + name, SPEC, zo, STEPS, 4, 5, 6, STEPS, 16,
                dir.resolve(name), false);
        ZoOfflineTraining.Result trained = ZoOfflineTraining.run(s, corpus.train(), corpus.test());
        List<UpdateRecord> records = UpdateLogFile.readAll(trained.updateLog());
        assertThat(records).hasSize(STEPS);
        String expected = trained.finalSnapshot().weightsSha256();
        assertThat(expected).as("the model moved").isNotEqualTo(trained.baseSnapshot().weightsSha256());
        ChildJvm.Outcome o = ChildJvm.seedflow("replay", "--snapshot", trained.baseSnapshot().path().toString(),
                "--log", trained.updateLog().toString(), "--expect-weights-sha256", expected);
        assertThat(o.output()).contains("replayed " + STEPS + " records").contains("weights-sha256=" + expected);
        assertThat(o.exitCode()).as(o.output()).isZero();
        return records;
    }
}
