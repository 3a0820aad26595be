package io.seedflow.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ShardEvaluation;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.StepPlan;
import io.seedflow.core.zo.ZoOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one training loop: fresh/restore, the step in parts, snapshots. */
class TrainingSessionTest {
    private static final MlpSpec SPEC = MlpSpec.parse("mlp:24x16x4:relu");
    private static final ZoOptions OPTIONS = ZoOptions.builder().learningRate(1e-2).perturbations(2).runSeed(9)
            .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.5, 5, List.of())).build();

    private static Batch batch(long step, int n) {
        float[] x = new float[n * SPEC.inputs()];
        PerturbationGenerator.fill(1000 + step, 0, 0, x, 0, x.length);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (int) ((step * 7 + i) % SPEC.classes());
        }
        return new Batch(x, y, n, SPEC.inputs());
    }

    private static Batch rows(Batch b, int from, int n) {
        int f = b.featureCount();
        return new Batch(Arrays.copyOfRange(b.features(), from * f, (from + n) * f),
                Arrays.copyOfRange(b.labels(), from, from + n), n, f);
    }

    private static List<Lineage> lineage(long step) {
        return List.of(new Lineage("t", 0, step * 8, step * 8 + 8));
    }

    @Test
    void theStepInPartsWithOneShardIsTheWholeStepBitForBit() {
        try (TrainingSession whole = TrainingSession.fresh("m", SPEC, OPTIONS, 3, BackendFactory.cpu()).session();
             TrainingSession parts = TrainingSession.fresh("m", SPEC, OPTIONS, 3, BackendFactory.cpu()).session()) {
            for (long step = 1; step <= 12; step++) {
                UpdateRecord a = whole.step(batch(step, 8), lineage(step));
                StepPlan plan = parts.plan();
                ShardEvaluation shard = parts.evaluate(plan, batch(step, 8));
                UpdateRecord b = parts.complete(plan, List.of(shard), lineage(step), batch(step, 8));
                assertThat(b).usingRecursiveComparison().ignoringFields("trainerTimeMillis").isEqualTo(a);
            }
            assertThat(parts.weightsSha256()).isEqualTo(whole.weightsSha256());
        }
    }

    @Test
    void shardsCombineTheirSumsIntoTheMeanOfTheWholeBatch() {
        try (TrainingSession whole = TrainingSession.fresh("m", SPEC, OPTIONS, 3, BackendFactory.cpu()).session();
             TrainingSession split = TrainingSession.fresh("m", SPEC, OPTIONS, 3, BackendFactory.cpu()).session()) {
            Batch b = batch(1, 8);
            UpdateRecord a = whole.step(b, lineage(1));
            StepPlan plan = split.plan();
            List<ShardEvaluation> shards = List.of(split.evaluate(plan, rows(b, 0, 3)),
                    split.evaluate(plan, rows(b, 3, 5)));
            UpdateRecord r = split.complete(plan, shards, lineage(1), null);
            assertThat(r.batchSize()).isEqualTo(8);
            for (int k = 0; k < 2; k++) {
                // the same sums in another association: equal up to rounding, not necessarily in every bit
                assertThat(r.perturbations().get(k).lossPlus()).isCloseTo(a.perturbations().get(k).lossPlus(),
                        within(1e-6f));
                assertThat(r.perturbations().get(k).seed()).isEqualTo(a.perturbations().get(k).seed());
            }
            assertThatThrownBy(() -> split.evaluate(plan, b)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("plan is for step 1 but the trainer is at version 1");
        }
    }

    @Test
    void aRestoreReplaysTheTailAndReTakesTheSnapshotsItPasses() {
        TrainingSession.Started fresh = TrainingSession.fresh("m", SPEC, OPTIONS, 3, BackendFactory.cpu());
        EncodedSnapshot base = fresh.snapshotsToStore().get(0);
        List<UpdateRecord> log = new ArrayList<>();
        try (TrainingSession s = fresh.session()) {
            for (long step = 1; step <= 14; step++) {
                log.add(s.step(batch(step, 8), lineage(step)));
                if (step == 10) {
                    s.takeSnapshot(); // records 11.. name it as their base
                }
            }
            try (TrainingSession restored = TrainingSession.restore("m", SPEC, OPTIONS,
                    SafetensorsFormat.decode(base.bytes(), base.sha256()).parameters(), base.sha256(), 0, log, 10,
                    BackendFactory.cpu()).session()) {
                assertThat(restored.version()).isEqualTo(14);
                assertThat(restored.weightsSha256()).isEqualTo(s.weightsSha256());
                UpdateRecord next = s.step(batch(15, 8), lineage(15));
                assertThat(restored.step(batch(15, 8), lineage(15))).usingRecursiveComparison()
                        .ignoringFields("trainerTimeMillis").isEqualTo(next);
            }
            TrainingSession.Started again = TrainingSession.restore("m", SPEC, OPTIONS,
                    SafetensorsFormat.decode(base.bytes(), base.sha256()).parameters(), base.sha256(), 0, log, 10,
                    BackendFactory.cpu());
            assertThat(again.snapshotsToStore()).extracting(EncodedSnapshot::step).containsExactly(10L);
            again.session().close();
        }
    }

    @Test
    void aTailThatNamesAnotherBaseOrWeightsOfAnotherModelAreRefused() {
        TrainingSession.Started fresh = TrainingSession.fresh("m", SPEC, OPTIONS, 3, BackendFactory.cpu());
        ParameterSet start = fresh.session().parameters().copy();
        List<UpdateRecord> log = new ArrayList<>();
        for (long step = 1; step <= 3; step++) {
            UpdateRecord r = fresh.session().step(batch(step, 8), lineage(step));
            log.add(step == 2 ? withBase(r, "f".repeat(64)) : r);
        }
        fresh.session().close();
        assertThatThrownBy(() -> TrainingSession.restore("m", SPEC, OPTIONS, start.copy(), "base", 0, log, 0,
                BackendFactory.cpu())).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("log tail record step 2 names base snapshot " + "f".repeat(64));
        assertThatThrownBy(() -> TrainingSession.fresh("m", SPEC, OPTIONS, 3, BackendFactory.cpu()).session()
                .step(Batch.ofTokens(new int[24], new int[] {1}, new int[] {0}, 24), lineage(1)))
                .isInstanceOf(TensorShapeMismatchException.class).hasMessageContaining("takes DENSE examples");
        ParameterSet other = MlpSpec.parse("mlp:24x8x4:relu").newModel().initialize(1);
        assertThatThrownBy(() -> TrainingSession.resume("m", SPEC, OPTIONS, other, "b", 0, BackendFactory.cpu()))
                .isInstanceOf(TensorShapeMismatchException.class).hasMessageContaining("expects tensors");
    }

    private static UpdateRecord withBase(UpdateRecord r, String base) {
        return new UpdateRecord(r.formatVersion(), r.modelId(), base, r.step(), r.status(), r.decayFactor(),
                r.perturbations(), r.epsilon(), r.learningRate(), r.batchSize(), r.lineage(), r.trainerTimeMillis(),
                r.mask(), r.subspace());
    }

    /**
     * Test-then-train on the encoder with the top block and the head trained: predicting with
     * {@link TrainingSession#predictBeforeStep} (the frozen lower block handed over to the step) gives the predictions
     * and the records of {@link TrainingSession#predict} then the step, bit for bit.
     */
    @Test
    void predictingBeforeAStepChangesNeitherThePredictionsNorTheRecords() {
        io.seedflow.core.model.encoder.EncoderSpec spec = io.seedflow.core.model.encoder.EncoderSpec.parse(
                "encoder:bert-L2-H32-A4-F64-V100-P16:3:16");
        List<String> top = spec.tensorSpecs().subList(spec.layerTensor(1), spec.headTensor() + 2).stream()
                .map(io.seedflow.core.tensor.TensorSpec::name).toList();
        ZoOptions options = ZoOptions.builder().learningRate(1e-2).runSeed(4)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0, top)).build();
        try (TrainingSession shared = TrainingSession.fresh("m", spec, options, 5, BackendFactory.cpu()).session();
             TrainingSession plain = TrainingSession.fresh("m", spec, options, 5, BackendFactory.cpu()).session()) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(6);
            for (long step = 1; step <= 4; step++) {
                int[] ids = rnd.ints(4 * 16, 0, spec.vocab()).toArray();
                int[] labels = rnd.ints(4, 0, spec.classes()).toArray();
                Batch b = Batch.ofTokens(ids, new int[] {16, 5, 11, 2}, labels, 16);
                assertThat(shared.predictBeforeStep(b)).isEqualTo(plain.predict(b));
                UpdateRecord a = shared.step(b, lineage(step));
                UpdateRecord c = plain.step(b, lineage(step));
                assertThat(a.perturbations()).as("step %d: seeds and coefficients", step)
                        .isEqualTo(c.perturbations());
                assertThat(a.mask()).isNotNull().isEqualTo(c.mask());
                assertThat(shared.weightsSha256()).isEqualTo(plain.weightsSha256());
            }
            assertThat(shared.weightsSha256()).isEqualTo(plain.weightsSha256());
        }
    }
}
