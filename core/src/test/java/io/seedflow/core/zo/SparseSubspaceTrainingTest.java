package io.seedflow.core.zo;

import io.seedflow.core.settings.TrainerSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sparse masks, tensor selection, subspace denoising and the variants: replay and restore stay exact. */
class SparseSubspaceTrainingTest {
    private static final MlpSpec SPEC = MlpSpec.parse("mlp:64x40x10:relu");
    private static final int BATCH = 16;

    static Batch batch(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[BATCH * SPEC.inputs()];
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = rnd.nextInt(SPEC.classes());
            for (int f = 0; f < SPEC.inputs(); f++) {
                x[i * SPEC.inputs() + f] = (float) rnd.nextGaussian() + (f == y[i] ? 2f : 0f);
            }
        }
        return new Batch(x, y, BATCH, SPEC.inputs());
    }

    private static List<Lineage> lineage(long step) {
        return List.of(new Lineage("events", 0, step * BATCH, (step + 1) * BATCH));
    }

    private static ZoOptions.Builder base() {
        return ZoOptions.builder().learningRate(0.02).epsilon(1e-3f).runSeed(77);
    }

    static Stream<Arguments> configs() {
        List<String> head = List.of("layers.1.weight", "layers.1.bias");
        return Stream.of(
                Arguments.of("magnitude 0.8, refresh 10", base().sparsity(new SparsityOptions(
                        SparsityOptions.MaskKind.MAGNITUDE, 0.8, 10, List.of())).weightDecay(0.1)),
                Arguments.of("magnitude 0.5, thresholds once", base().sparsity(new SparsityOptions(
                        SparsityOptions.MaskKind.MAGNITUDE, 0.5, 0, List.of()))),
                Arguments.of("random 0.7, redrawn every 7, q=2", base().perturbations(2).sparsity(new SparsityOptions(
                        SparsityOptions.MaskKind.RANDOM, 0.7, 7, List.of()))),
                Arguments.of("head only", base().sparsity(new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0, head))),
                Arguments.of("subspace head tau 8", base().subspace(new SubspaceOptions(head, 8, 0.3))),
                Arguments.of("subspace + magnitude", base().subspace(new SubspaceOptions(head, 6, 0.2))
                        .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.6, 5, List.of()))),
                Arguments.of("momentum", base().learningRate(0.005).variant(ZoVariant.MOMENTUM).momentumTerms(6)),
                Arguments.of("conservative", base().variant(ZoVariant.CONSERVATIVE)),
                Arguments.of("sign + random", base().learningRate(0.001).variant(ZoVariant.SIGN).sparsity(
                        new SparsityOptions(SparsityOptions.MaskKind.RANDOM, 0.5, 0, List.of()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void replicaReproducesTheTrainerAndARestoredTrainerContinuesExactly(String name, ZoOptions.Builder builder) {
        ZoOptions options = builder.build();
        ParameterSet initial = new Mlp(SPEC).initialize(5);
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), initial.copy(), options, "m", "b", 0);
        List<UpdateRecord> records = new ArrayList<>();
        for (long step = 1; step <= 40; step++) {
            records.add(trainer.step(batch(step), lineage(step)));
        }
        Replica replica = new Replica("m", initial.copy(), 0);
        records.forEach(replica::apply);
        assertThat(replica.parameters().weightsSha256()).as(name).isEqualTo(trainer.parameters().weightsSha256());
        assertThat(trainer.parameters().weightsSha256()).isNotEqualTo(initial.weightsSha256());

        // a trainer restored at step 23 from replayed weights + its history continues with the same records
        Replica at23 = new Replica("m", initial.copy(), 0);
        records.subList(0, 23).forEach(at23::apply);
        ZoSgdTrainer resumed = new ZoSgdTrainer(new CpuBackend(SPEC), at23.parameters(), options, "m", "b", 23);
        resumed.resume(records.subList(Math.max(0, 23 - resumed.historySteps()), 23));
        for (long step = 24; step <= 40; step++) {
            UpdateRecord again = resumed.step(batch(step), lineage(step));
            assertThat(timeless(again)).as("%s step %d", name, step).isEqualTo(timeless(records.get((int) step - 1)));
        }
        assertThat(resumed.parameters().weightsSha256()).isEqualTo(trainer.parameters().weightsSha256());
    }

    private static UpdateRecord timeless(UpdateRecord r) {
        return new UpdateRecord(r.formatVersion(), r.modelId(), r.baseSnapshotId(), r.step(), r.status(),
                r.decayFactor(), r.perturbations(), r.epsilon(), r.learningRate(), r.batchSize(), r.lineage(), 0L,
                r.mask(), r.subspace());
    }

    @Test
    void magnitudeMaskTrainsOnlyTheSmallWeightsAndLeavesTheRestBitForBit() {
        ZoOptions options = base().sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.8, 0,
                List.of())).build();
        ParameterSet params = new Mlp(SPEC).initialize(5);
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), params, options, "m", "b", 0);
        ParameterSet before = params.copy();
        UpdateRecord r = trainer.step(batch(1), lineage(1));
        assertThat(r.formatVersion()).isEqualTo(UpdateRecord.FORMAT_VERSION_SPARSE);
        assertThat(r.mask().tensors()).hasSize(4);
        TensorMask w0 = r.mask().tensors().get(0);
        float[] a = before.tensor(0);
        float[] b = params.tensor(0);
        int changed = 0;
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i]) > w0.maxMagnitude()) {
                assertThat(Float.floatToRawIntBits(b[i])).isEqualTo(Float.floatToRawIntBits(a[i]));
            } else if (a[i] != b[i]) {
                changed++;
            }
        }
        assertThat(changed / (double) a.length).isBetween(0.15, 0.2001); // 20% trained
        assertThat(r.mask().tensors().get(1).dense()).as("biases are not masked").isTrue();
    }

    @Test
    void frozenTensorsNeverChangeAndUntouchedRecordsStayVersionOne() {
        ZoOptions headOnly = base().sparsity(new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0,
                List.of("layers.1.weight"))).build();
        ParameterSet params = new Mlp(SPEC).initialize(5);
        ParameterSet before = params.copy();
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), params, headOnly, "m", "b", 0);
        for (long step = 1; step <= 5; step++) {
            trainer.step(batch(step), lineage(step));
        }
        assertThat(params.tensor(0)).containsExactly(before.tensor(0));
        assertThat(params.tensor(1)).containsExactly(before.tensor(1));
        assertThat(params.tensor(3)).containsExactly(before.tensor(3));
        assertThat(params.tensor(2)).isNotEqualTo(before.tensor(2));

        ZoSgdTrainer dense = new ZoSgdTrainer(new CpuBackend(SPEC), new Mlp(SPEC).initialize(5), base().build(), "m",
                "b", 0);
        UpdateRecord r = dense.step(batch(1), lineage(1));
        assertThat(r.formatVersion()).isEqualTo(UpdateRecord.FORMAT_VERSION);
        assertThat(r.mask()).isNull();
        assertThat(r.subspace()).isNull();
    }

    @Test
    void subspaceBasisRefreshesEveryWindowFromThePreviousWindowsSteps() {
        List<String> head = List.of("layers.1.weight", "layers.1.bias");
        ZoOptions options = base().subspace(new SubspaceOptions(head, 8, 0.3)).build();
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), new Mlp(SPEC).initialize(5), options, "m", "b", 0);
        List<UpdateRecord> records = new ArrayList<>();
        for (long step = 1; step <= 24; step++) {
            records.add(trainer.step(batch(step), lineage(step)));
        }
        for (int i = 0; i < 8; i++) {
            assertThat(records.get(i).subspace()).as("first window has no basis yet").isNull();
        }
        for (int window = 1; window <= 2; window++) {
            List<Long> previousSeeds = new ArrayList<>();
            List<Float> previousCoefficients = new ArrayList<>();
            for (int i = (window - 1) * 8; i < window * 8; i++) {
                previousSeeds.add(records.get(i).perturbations().get(0).seed());
                previousCoefficients.add(records.get(i).perturbations().get(0).coefficient());
            }
            for (int i = window * 8; i < (window + 1) * 8; i++) {
                UpdateRecord r = records.get(i);
                assertThat(r.subspace()).as("step %d", r.step()).isNotNull();
                assertThat(r.subspace().tensors()).containsExactly(2, 3);
                assertThat(r.subspace().windowSeeds()).isEqualTo(previousSeeds);
                assertThat(r.subspace().windowCoefficients()).isEqualTo(previousCoefficients);
                assertThat(r.subspace().removed()).isNotEmpty().hasSizeLessThan(8);
            }
        }
        assertThat(trainer.subspaceRemovedDirections()).isPositive();
    }

    @Test
    void denoisedUpdateHasNoComponentAlongTheRemovedDirections() {
        List<String> head = List.of("layers.1.weight", "layers.1.bias");
        ZoOptions options = base().subspace(new SubspaceOptions(head, 8, 0.3)).build();
        ParameterSet params = new Mlp(SPEC).initialize(5);
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), params, options, "m", "b", 0);
        for (long step = 1; step <= 8; step++) {
            trainer.step(batch(step), lineage(step));
        }
        float[] w = params.tensor(2).clone();
        float[] bias = params.tensor(3).clone();
        UpdateRecord r = trainer.step(batch(9), lineage(9));
        var basis = io.seedflow.core.subspace.SubspaceBasis.compute(SPEC.tensorSpecs(), r.subspace().window());
        int removed = r.subspace().removed().size();
        double[] delta = new double[w.length + bias.length];
        for (int i = 0; i < w.length; i++) {
            delta[i] = (double) params.tensor(2)[i] - w[i];
        }
        for (int i = 0; i < bias.length; i++) {
            delta[w.length + i] = (double) params.tensor(3)[i] - bias[i];
        }
        double norm = 0;
        for (double v : delta) {
            norm += v * v;
        }
        for (int j = basis.size() - removed; j < basis.size(); j++) {
            double dot = 0;
            for (int i = 0; i < delta.length; i++) {
                dot += delta[i] * basis.direction(j)[i];
            }
            assertThat(Math.abs(dot)).isLessThan(1e-3 * Math.sqrt(norm));
        }
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of(TrainerSettings.SPARSITY.key(), "[0, 1)", (UnaryOperator<ZoOptions.Builder>) b -> b.sparsity(
                        new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 1.0, 0, List.of()))),
                Arguments.of(TrainerSettings.SPARSITY.key(), "[0, 1)", (UnaryOperator<ZoOptions.Builder>) b -> b.sparsity(
                        new SparsityOptions(SparsityOptions.MaskKind.RANDOM, -0.1, 0, List.of()))),
                Arguments.of(TrainerSettings.SUBSPACE_WINDOW.key(), "[2, 1024]", (UnaryOperator<ZoOptions.Builder>) b -> b.subspace(
                        new SubspaceOptions(List.of("layers.1.bias"), 1, 0.1))),
                Arguments.of(TrainerSettings.SUBSPACE_THRESHOLD.key(), "(0, 1)", (UnaryOperator<ZoOptions.Builder>) b -> b.subspace(
                        new SubspaceOptions(List.of("layers.1.bias"), 8, 0))),
                Arguments.of(TrainerSettings.SUBSPACE_THRESHOLD.key(), "(0, 1)", (UnaryOperator<ZoOptions.Builder>) b -> b.subspace(
                        new SubspaceOptions(List.of("layers.1.bias"), 8, 1.0))),
                Arguments.of(TrainerSettings.MOMENTUM.key(), "[0, 1)", (UnaryOperator<ZoOptions.Builder>) b -> b.momentum(1.0)),
                Arguments.of(TrainerSettings.SUBSPACE_TENSORS.key(), "MOMENTUM", (UnaryOperator<ZoOptions.Builder>) b -> b
                        .variant(ZoVariant.MOMENTUM).subspace(new SubspaceOptions(List.of("layers.1.bias"), 8, 0.1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void badSettingsAreRefusedNamingTheSettingAndRange(String key, String range, UnaryOperator<ZoOptions.Builder> bad) {
        assertThatThrownBy(() -> bad.apply(base()).build()).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(key).hasMessageContaining(range);
    }

    @Test
    void unknownTensorNamesAreRefusedListingTheModelsTensors() {
        ZoOptions typo = base().sparsity(new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0,
                List.of("layers.1.wieght"))).build();
        assertThatThrownBy(() -> typo.checkModel(SPEC)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(TrainerSettings.TRAINABLE_TENSORS.key() + "=layers.1.wieght")
                .hasMessageContaining("[layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias]");
        ZoOptions group = base().subspace(new SubspaceOptions(List.of("head"), 8, 0.1)).build();
        assertThatThrownBy(() -> new ZoSgdTrainer(new CpuBackend(SPEC), new Mlp(SPEC).initialize(1), group, "m", "b", 0))
                .hasMessageContaining(TrainerSettings.SUBSPACE_TENSORS.key() + "=head");
        ZoOptions tooBig = base().subspace(new SubspaceOptions(List.of("layers.0.weight"), 1024, 0.1)).build();
        assertThatThrownBy(() -> tooBig.checkModel(MlpSpec.parse("mlp:784x64x10:relu")))
                .hasMessageContaining("window history must stay <= 4194304");
    }
}
