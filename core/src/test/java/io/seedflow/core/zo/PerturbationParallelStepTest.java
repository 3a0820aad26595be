package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A step split over D data groups x G probe groups, each subtask a session of its own holding the same weights,
 * writes the records (all fields but the wall clock) and ends at the weights of the same pieces evaluated with G = 1
 * by one session, bit for bit, on every subtask.
 */
class PerturbationParallelStepTest {
    private static final int BATCH = 30; // uneven pieces: 4 pieces of 7, 8, 7, 8
    private static final int PIECES = 4;
    private static final int STEPS = 6; // the last one a partial batch

    private static ZoOptions.Builder q4() {
        return ZoOptions.builder().learningRate(1e-2).epsilon(1e-3f).perturbations(4).runSeed(11);
    }

    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of("dense SGD, mlp:784x64x10", MlpSpec.parse("mlp:784x64x10:relu"), q4().build()),
                Arguments.of("magnitude mask 0.5, refresh 2", MlpSpec.parse("mlp:64x32x10:relu"), q4()
                        .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.5, 2, List.of())).build()),
                Arguments.of("SIGN, random mask 0.7, trainable layer 0", MlpSpec.parse("mlp:64x32x10:gelu"), q4()
                        .variant(ZoVariant.SIGN).sparsity(new SparsityOptions(SparsityOptions.MaskKind.RANDOM, 0.7, 3,
                                List.of("layers.0.weight", "layers.0.bias"))).build()),
                Arguments.of("exact head, clip 5, weight decay", MlpSpec.parse("mlp:64x32x10:relu"), q4()
                        .headLearningRate(0.1).gradientClip(5).weightDecay(0.01).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void aSplitStepWritesTheRecordsAndWeightsOfOneProbeGroup(String name, ModelSpec spec, ZoOptions options) {
        for (int[] dg : new int[][] {{1, 2}, {1, 4}, {2, 2}, {4, 1}}) {
            StepLayout layout = StepLayout.of(BATCH, PIECES, dg[0] * dg[1], dg[1], options);
            List<UpdateRecord> reference = new ArrayList<>();
            String referenceWeights;
            try (TrainingSession one = session(spec, options)) {
                for (int step = 1; step <= STEPS; step++) {
                    reference.add(one.step(batch(spec, step), lineage(step), new BatchPieces(BATCH, PIECES, 1)));
                }
                referenceWeights = one.weightsSha256();
            }
            List<TrainingSession> subtasks = new ArrayList<>();
            try {
                for (int k = 0; k < layout.parallelism(); k++) {
                    subtasks.add(session(spec, options));
                }
                for (int step = 1; step <= STEPS; step++) {
                    List<UpdateRecord> records = splitStep(layout, subtasks, batch(spec, step), lineage(step));
                    for (UpdateRecord r : records) {
                        assertThat(r).as("%s, D=%d x G=%d, step %d", name, dg[0], dg[1], step)
                                .usingRecursiveComparison().ignoringFields("trainerTimeMillis")
                                .isEqualTo(reference.get(step - 1));
                    }
                }
                for (TrainingSession s : subtasks) {
                    assertThat(s.weightsSha256()).as("%s, D=%d x G=%d", name, dg[0], dg[1])
                            .isEqualTo(referenceWeights);
                }
            } finally {
                subtasks.forEach(TrainingSession::close);
            }
            assertThat(reference).extracting(UpdateRecord::status).containsOnly(UpdateStatus.APPLIED);
        }
    }

    @Test
    void aProbeSubsetHoldsExactlyTheFullEvaluationsSumsOfItsProbes() {
        ZoOptions options = q4().headLearningRate(0.1)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.5, 0, List.of())).build();
        MlpSpec spec = MlpSpec.parse("mlp:64x32x10:relu");
        try (TrainingSession s = session(spec, options)) {
            StepPlan plan = s.plan();
            Batch b = batch(spec, 1);
            ShardEvaluation full = s.evaluate(plan, b);
            for (int[] range : new int[][] {{0, 1}, {1, 3}, {2, 4}, {3, 4}, {0, 4}}) {
                ShardEvaluation part = s.evaluate(plan, b, range[0], range[1]);
                assertThat(part.firstProbe()).isEqualTo(range[0]);
                assertThat(part.probes()).isEqualTo(full.probes().subList(range[0], range[1]));
                assertThat(part.head() != null).as("head gradient only with probe 0").isEqualTo(range[0] == 0);
            }
            assertThatThrownBy(() -> s.evaluate(plan, b, 2, 5)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("probes [2, 5) are not a non-empty range of the step's 4 probes");
            assertThatThrownBy(() -> s.evaluate(plan, b, 2, 2)).hasMessageContaining("probes [2, 2)");
        }
    }

    @Test
    void aNonFiniteStepIsSkippedAlikeAndAProbeGroupAloneIsNotAStep() {
        MlpSpec spec = MlpSpec.parse("mlp:64x32x10:relu");
        ZoOptions options = q4().nonFinitePolicy(NonFinitePolicy.SKIP).build();
        StepLayout layout = StepLayout.of(BATCH, PIECES, 4, 2, options);
        Batch poisoned = batch(spec, 1, BATCH, 3); // in piece 0
        try (TrainingSession one = session(spec, options);
             TrainingSession a = session(spec, options); TrainingSession b = session(spec, options);
             TrainingSession c = session(spec, options); TrainingSession d = session(spec, options)) {
            UpdateRecord reference = one.step(poisoned, lineage(1), new BatchPieces(BATCH, PIECES, 1));
            assertThat(reference.status()).isEqualTo(UpdateStatus.SKIPPED_NON_FINITE);
            for (UpdateRecord r : splitStep(layout, List.of(a, b, c, d), poisoned, lineage(1))) {
                assertThat(r).usingRecursiveComparison().ignoringFields("trainerTimeMillis").isEqualTo(reference);
            }
            StepPlan plan = a.plan();
            ShardEvaluation group = a.evaluate(plan, batch(spec, 2), 0, 2);
            assertThatThrownBy(() -> a.complete(plan, List.of(group), lineage(2), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a shard holds probes [0, 2) of the step's 4; completing needs")
                    .hasMessageContaining("ShardEvaluation.joinProbes");
        }
    }

    /**
     * Every subtask plans from its own weights, evaluates its data group's pieces for its probes; the evaluations are
     * gathered in subtask order and every subtask completes the step with the rebuilt shard list.
     */
    private static List<UpdateRecord> splitStep(StepLayout layout, List<TrainingSession> subtasks, Batch batch,
            List<Lineage> lineage) {
        List<StepPlan> plans = new ArrayList<>();
        List<List<ShardEvaluation>> gathered = new ArrayList<>();
        for (int k = 0; k < subtasks.size(); k++) {
            TrainingSession s = subtasks.get(k);
            StepPlan plan = s.plan();
            plans.add(plan);
            int start = Math.min(layout.data().shareStart(layout.dataGroupOf(k)), batch.size());
            int end = Math.min(start + layout.shareSize(k), batch.size());
            List<ShardEvaluation> pieces = new ArrayList<>();
            List<Batch> share = end > start ? layout.cut(k, batch.slice(start, end)) : List.of();
            for (Batch piece : share) {
                ShardEvaluation e = s.evaluate(plan, piece, layout.probeFrom(k), layout.probeTo(k));
                assertThat(e.firstProbe()).isEqualTo(layout.probeFrom(k));
                assertThat(e.probeEnd()).isLessThanOrEqualTo(layout.probeTo(k));
                pieces.add(e);
            }
            gathered.add(pieces);
        }
        List<ShardEvaluation> shards = layout.piecesInOrder(gathered);
        List<UpdateRecord> records = new ArrayList<>();
        for (int k = 0; k < subtasks.size(); k++) {
            records.add(subtasks.get(k).complete(plans.get(k), shards, lineage, null));
        }
        return records;
    }

    private static TrainingSession session(ModelSpec spec, ZoOptions options) {
        return TrainingSession.fresh("m", spec, options, 5, BackendFactory.cpu()).session();
    }

    /** A full batch; the last step's is shorter (a bounded input that ended inside data group 1's share). */
    private static Batch batch(ModelSpec spec, int step) {
        return batch(spec, step, step == STEPS ? 19 : BATCH, -1);
    }

    /** {@code n} examples; feature 0 of example {@code nanAt} (if >= 0) is NaN. */
    private static Batch batch(ModelSpec spec, int step, int n, int nanAt) {
        int f = ((MlpSpec) spec).inputs();
        float[] x = new float[n * f];
        PerturbationGenerator.fill(700 + step, 0, 0, x, 0, x.length);
        if (nanAt >= 0) {
            x[nanAt * f] = Float.NaN;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (step * 3 + i) % ((MlpSpec) spec).classes();
        }
        return new Batch(x, y, n, f);
    }

    private static List<Lineage> lineage(int step) {
        return List.of(new Lineage("t", 0, (long) step * BATCH, (long) (step + 1) * BATCH));
    }
}
