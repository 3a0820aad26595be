package io.seedflow.core.model.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.TensorRole;
import io.seedflow.core.model.TestBatches;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.ZoOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The third family, added through the plug-in seam only (its package and its line in the ServiceLoader registration):
 * found by its prefix, trained by the one session, replayed by a replica, its snapshot checked against its spec.
 */
class LinearFamilyTest {
    private static final LinearSpec SPEC = new LinearSpec(6, 3);

    @Test
    void isFoundByItsPrefixAndReadsBackItsTextForm() {
        ModelSpec parsed = ModelSpecs.parse("linear:6x3");
        assertThat(parsed).isEqualTo(SPEC);
        assertThat(parsed.toText()).isEqualTo("linear:6x3");
        assertThat(parsed.inputKind()).isEqualTo(InputKind.DENSE);
        assertThat(parsed.tensorRoles()).containsExactly(TensorRole.HEAD, TensorRole.HEAD);
        assertThat(parsed.headTensors()).containsExactly(0, 1);
        assertThat(ModelSpecs.FORMS).contains(LinearSpec.FORM).startsWith("mlp:");
    }

    @Test
    void badFormsGetOneLineNamingTheTextAndTheForm() {
        for (String bad : new String[] {"linear:6", "linear:6x3x2", "linear:axb", "linear:6x1", "linear:0x3",
                "linear:6x3:relu"}) {
            assertThatThrownBy(() -> ModelSpecs.parse(bad)).as(bad).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> ModelSpecs.parse("linear:6x3x2")).hasMessageContaining("linear:6x3x2")
                .hasMessageContaining(LinearSpec.FORM);
        assertThatThrownBy(() -> ModelSpecs.parse("tree:5")).hasMessageContaining("unknown model family 'tree'")
                .hasMessageContaining(LinearSpec.FORM);
    }

    @Test
    void logitsAreTheAffineMapOfTheFeatures() {
        Model model = SPEC.newModel();
        ParameterSet p = model.initialize(4);
        Batch b = batch(5, 1);
        float[] logits = model.logits(p, b);
        for (int e = 0; e < 5; e++) {
            for (int c = 0; c < 3; c++) {
                double expected = p.tensor(1)[c];
                for (int i = 0; i < 6; i++) {
                    expected += (double) p.tensor(0)[c * 6 + i] * b.features()[e * 6 + i];
                }
                assertThat((double) logits[c * 5 + e]).isCloseTo(expected, within(1e-5));
            }
        }
    }

    @Test
    void thePairedPassEqualsPlainPassesAtThetaPlusAndMinusEpsZ() {
        Model model = SPEC.newModel();
        ParameterSet p = model.initialize(7);
        Batch b = batch(9, 2);
        float eps = 1e-2f;
        LossSums sums = model.perturbedLossSums(p, b, 123L, eps, null);
        assertThat(sums.plus()).isEqualTo(model.lossSum(shifted(p, 123L, eps), b));
        assertThat(sums.minus()).isEqualTo(model.lossSum(shifted(p, 123L, -eps), b));
        assertThat(sums.count()).isEqualTo(9);
        assertThat(p.weightsSha256()).as("theta untouched").isEqualTo(model.initialize(7).weightsSha256());
    }

    @Test
    void theExactHeadGradientIsTheSoftmaxCrossEntropyGradient() {
        Model model = SPEC.newModel();
        ParameterSet p = model.initialize(2);
        Batch b = batch(4, 3);
        HeadGradient g = new HeadGradient(18, 3);
        model.perturbedLossSums(p, b, 1L, 0f, null, g);
        // at eps = 0 both passes are theta: the sums are twice the gradient of the summed loss; check one weight
        float h = 1e-2f;
        ParameterSet up = p.copy();
        up.tensor(0)[4] += h;
        ParameterSet down = p.copy();
        down.tensor(0)[4] -= h;
        double numeric = (model.lossSum(up, b) - model.lossSum(down, b)) / (2 * h);
        assertThat(g.weight()[4] / 2).isCloseTo(numeric, within(1e-2));
        assertThat(g.passes()).isEqualTo(8);
    }

    @Test
    void trainsThroughTheOneSessionAndAReplicaReproducesItBitForBit() {
        ZoOptions options = ZoOptions.builder().learningRate(0.05).perturbations(2).runSeed(5)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.5, 10, List.of())).build();
        TrainingSession.Started started = TrainingSession.fresh("lin", SPEC, options, 3, BackendFactory.cpu());
        Snapshot base = SafetensorsFormat.decode(started.snapshotsToStore().get(0).bytes(), null)
                .requireTensorsOfModelSpec();
        List<UpdateRecord> log = new ArrayList<>();
        double before;
        try (TrainingSession session = started.session()) {
            before = lossOf(session, 100);
            for (long step = 1; step <= 300; step++) {
                log.add(session.step(batch(32, 1000 + step), List.of(new Lineage("t", 0, step * 32, step * 32 + 32))));
            }
            assertThat(lossOf(session, 100)).as("the mean loss falls").isLessThan(before * 0.8);
            Replica replica = new Replica("lin", base.parameters(), 0);
            log.forEach(replica::apply);
            assertThat(replica.parameters().weightsSha256()).isEqualTo(session.weightsSha256());
        }
    }

    @Test
    void anExactHeadIsRefusedForAModelThatIsAllHead() {
        ZoOptions exact = ZoOptions.builder().headLearningRate(0.1).build();
        assertThatThrownBy(() -> exact.checkModel(SPEC)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("seedflow.zo.head-learning-rate").hasMessageContaining("linear:6x3");
    }

    private static double lossOf(TrainingSession session, long seed) {
        Batch b = batch(200, seed);
        return SPEC.newModel().lossSum(session.parameters(), b) / b.size();
    }

    private static ParameterSet shifted(ParameterSet p, long seed, float s) {
        return TestBatches.shifted(p, seed, s, 2);
    }

    private static Batch batch(int n, long seed) {
        return TestBatches.gaussianClusters(n, seed);
    }
}
