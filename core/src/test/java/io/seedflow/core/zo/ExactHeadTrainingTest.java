package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ElasticZO-style hybrid: the head by its exact gradient (a head delta in the record), the body by ZO. */
class ExactHeadTrainingTest {
    private static final MlpSpec SPEC = MlpSpec.parse("mlp:12x9x3:gelu");

    private static Batch batch(long step) {
        int n = 10;
        float[] x = new float[n * 12];
        PerturbationGenerator.fill(500 + step, 0, 0, x, 0, x.length);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (int) ((step + i) % 3);
        }
        return new Batch(x, y, n, 12);
    }

    private static ZoOptions options(double headLr) {
        return ZoOptions.builder().learningRate(1e-3).epsilon(1e-4f).runSeed(3).headLearningRate(headLr).build();
    }

    @Test
    void theHeadDeltaIsMinusTheLearningRateTimesTheExactMeanGradient() {
        double headLr = 0.5;
        try (TrainingSession s = TrainingSession.fresh("m", SPEC, options(headLr), 2, BackendFactory.cpu()).session()) {
            ParameterSet before = s.parameters().copy();
            Batch b = batch(1);
            UpdateRecord r = s.step(b, List.of(new Lineage("t", 0, 0, 10)));
            assertThat(r.formatVersion()).isEqualTo(3);
            assertThat(r.headDelta().tensors()).containsExactly(2, 3);
            assertThat(r.mask().tensors()).extracting(m -> m.tensor()).containsExactly(0, 1); // head frozen for ZO
            // central differences of the mean loss of the unperturbed weights w.r.t. each head element
            Mlp mlp = SPEC.newModel();
            float[][] delta = r.headDelta().values();
            for (int t = 2; t <= 3; t++) {
                for (int e = 0; e < before.tensor(t).length; e++) {
                    ParameterSet up = before.copy();
                    ParameterSet down = before.copy();
                    float h = 1e-2f;
                    up.tensor(t)[e] += h;
                    down.tensor(t)[e] -= h;
                    double grad = (mlp.loss(up, b) - mlp.loss(down, b)) / (up.tensor(t)[e] - down.tensor(t)[e]);
                    // the record's gradient is the mean over the +eps and -eps passes of the body: O(eps^2) away
                    assertThat((double) delta[t - 2][e]).as("tensor %d element %d", t, e)
                            .isCloseTo(-headLr * grad, within(2e-4));
                }
            }
        }
    }

    @Test
    void aReplicaAppliesHybridRecordsToTheTrainersBits() {
        TrainingSession.Started started = TrainingSession.fresh("m", SPEC, options(0.2), 2, BackendFactory.cpu());
        Replica replica = new Replica("m", started.session().parameters().copy(), 0);
        try (TrainingSession s = started.session()) {
            for (long step = 1; step <= 30; step++) {
                replica.apply(s.step(batch(step), List.of(new Lineage("t", 0, step * 10, step * 10 + 10))));
            }
            assertThat(replica.parameters().weightsSha256()).isEqualTo(s.weightsSha256());
        }
    }

    @Test
    void theEncoderHybridMatchesTheExactGradientAndReplaysBitExactly() {
        EncoderSpec spec = EncoderSpec.parse("encoder:bert-L1-H16-A2-F32-V50-P12:2:12");
        int[] ids = new int[4 * 12];
        int[] counts = {12, 5, 9, 3};
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 7 + 3) % 50;
        }
        Batch b = Batch.ofTokens(ids, counts, new int[] {0, 1, 1, 0}, 12);
        double headLr = 0.3;
        TrainingSession.Started started = TrainingSession.fresh("e", spec, options(headLr), 4, BackendFactory.cpu());
        Replica replica = new Replica("e", started.session().parameters().copy(), 0);
        try (TrainingSession s = started.session()) {
            ParameterSet before = s.parameters().copy();
            UpdateRecord r = s.step(b, List.of(new Lineage("t", 0, 0, 4)));
            replica.apply(r);
            int head = spec.headTensor();
            assertThat(r.headDelta().tensors()).containsExactly(head, head + 1);
            Model model = spec.newModel();
            for (int t = head; t <= head + 1; t++) {
                for (int e = 0; e < before.tensor(t).length; e += 3) {
                    ParameterSet up = before.copy();
                    ParameterSet down = before.copy();
                    up.tensor(t)[e] += 1e-2f;
                    down.tensor(t)[e] -= 1e-2f;
                    double grad = (model.lossSum(up, b) - model.lossSum(down, b)) / 4
                            / (up.tensor(t)[e] - down.tensor(t)[e]);
                    assertThat((double) r.headDelta().values()[t - head][e]).isCloseTo(-headLr * grad, within(2e-4));
                }
            }
            for (long step = 2; step <= 5; step++) {
                replica.apply(s.step(b, List.of(new Lineage("t", 0, step * 4, step * 4 + 4))));
            }
            assertThat(replica.parameters().weightsSha256()).isEqualTo(s.weightsSha256());
        }
    }

    @Test
    void theHeadCannotAlsoBeAZoTensorAndNeedsPlainSgd() {
        ZoOptions o = ZoOptions.builder().headLearningRate(0.1)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0, List.of("layers.1.weight")))
                .build();
        assertThatThrownBy(() -> o.checkModel(SPEC)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("layers.1.weight").hasMessageContaining("is the head");
        assertThatThrownBy(() -> ZoOptions.builder().headLearningRate(0.1).variant(ZoVariant.SIGN).build())
                .hasMessageContaining("seedflow.zo.head-learning-rate").hasMessageContaining("SIGN");
        assertThatThrownBy(() -> ZoOptions.builder().headLearningRate(-1).build())
                .hasMessageContaining("seedflow.zo.head-learning-rate=-1.0").hasMessageContaining("finite and >= 0");
    }
}
