package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.sparse.TensorMask;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code @bitfit} preset of the trainable tensors (issue 20, lever 2): the rank-1 tensors, and the head. */
class BitFitPresetTest {
    private static final SparsityOptions BITFIT = new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0,
            List.of(SparsityOptions.BITFIT));

    @Test
    void thePresetNamesTheBiasesAndLayerNormsAndTheHeadUnlessItHasItsExactGradient() {
        MlpSpec mlp = MlpSpec.parse("mlp:4x3x2:relu");
        assertThat(BITFIT.trainedTensorNames(mlp, false)).containsExactly("layers.0.bias", "layers.1.weight",
                "layers.1.bias");
        assertThat(BITFIT.trainedTensorNames(mlp, true)).containsExactly("layers.0.bias");
        EncoderSpec encoder = EncoderSpec.parse("encoder:bert-L2-H32-A4-F64-V100-P16:3:16");
        List<String> trained = BITFIT.trainedTensorNames(encoder, true);
        assertThat(trained).isNotEmpty().allMatch(n -> n.endsWith("bias") || n.contains("norm"))
                .doesNotContain("head.bias");
        long rankOne = encoder.tensorSpecs().stream().filter(t -> t.rank() == 1).count();
        assertThat(trained).hasSize((int) rankOne - 1); // all rank-1 tensors but the head's bias
        assertThat(new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0, List.of("layers.0.bias", "@bitfit"))
                .trainedTensorNames(mlp, false)).as("with names beside it").containsExactly("layers.0.bias",
                        "layers.1.weight", "layers.1.bias");
    }

    @Test
    void aStepWithThePresetMasksExactlyThoseTensors() {
        MlpSpec mlp = MlpSpec.parse("mlp:4x3x2:relu");
        ZoOptions options = ZoOptions.builder().learningRate(1e-2).runSeed(3).sparsity(BITFIT).build();
        try (TrainingSession s = TrainingSession.fresh("m", mlp, options, 4, BackendFactory.cpu()).session()) {
            float[] x = new float[8 * 4];
            PerturbationGenerator.fill(5, 0, 0, x, 0, x.length);
            UpdateRecord r = s.step(new Batch(x, new int[] {0, 1, 0, 1, 1, 0, 0, 1}, 8, 4),
                    List.of(new Lineage("t", 0, 0, 8)));
            assertThat(r.mask().tensors()).extracting(TensorMask::tensor).containsExactly(1, 2, 3);
        }
    }

    @Test
    void anUnknownNameNamesThePresetAndAPresetThatSelectsNothingIsRefused() {
        MlpSpec mlp = MlpSpec.parse("mlp:4x3x2:relu");
        assertThatThrownBy(() -> ZoOptions.builder().sparsity(new SparsityOptions(SparsityOptions.MaskKind.NONE, 0,
                0, List.of("@bitfitt"))).build().checkModel(mlp)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("@bitfitt").hasMessageContaining("nor the preset @bitfit");
        MlpSpec linear = MlpSpec.parse("mlp:4x2:relu"); // one layer: its bias is the head's
        assertThatThrownBy(() -> ZoOptions.builder().headLearningRate(0.1).sparsity(BITFIT).build()
                .checkModel(linear)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("selects no tensor of mlp:4x2");
    }
}
