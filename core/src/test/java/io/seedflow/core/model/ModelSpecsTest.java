package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model-spec rules of docs/update-log-spec.md §1, which a replica applies to a snapshot's
 * {@code seedflow.model-spec}: the exact forms of the three families, numbers of ASCII digits up to 2^31 - 1, and
 * each family's constraints.
 */
class ModelSpecsTest {
    @Test
    void theFormsOfTheSpecAreAccepted() {
        assertThat(ModelSpecs.parse("mlp:0784x10:RELU").toText()).isEqualTo("mlp:784x10:relu");
        assertThat(ModelSpecs.parse("mlp:4x3x2:gelu").toText()).isEqualTo("mlp:4x3x2:gelu");
        assertThat(ModelSpecs.parse("linear:784x10").toText()).isEqualTo("linear:784x10");
        assertThat(ModelSpecs.parse("encoder:bert-L1-H8-A2-F16-V50-P16:2").toText())
                .isEqualTo("encoder:bert-L1-H8-A2-F16-V50-P16:2");
        assertThat(ModelSpecs.parse("encoder:bert-L1-H8-A8-F1-V2-P16:2:16").tensorSpecs()).hasSize(5 + 16 + 2);
        assertThat(ModelSpecs.parse("encoder:all-minilm-l6-v2:2:512").inputWidth()).isEqualTo(512);
        assertThat(ModelSpecs.parse("mlp:2147483647x2:relu").inputWidth()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void everyRuleOfTheSpecRefusesNamingTheText() {
        List<String> bad = List.of("", " ", "mlp", "MLP:4x2:relu", "cnn:3x3",
                // MLP: form, numbers, activation, sizes
                "mlp:4x3x2", "mlp:4x3x2:relu:", "mlp:4x3x2x:relu", "mlp:x4x2:relu", "mlp:4x+3x2:relu",
                "mlp:4x-3x2:relu", "mlp: 4x2:relu", "mlp:4x\u0663x2:relu", "mlp:4x2147483648:relu", "mlp:4x3x2:tanh",
                "mlp:4x3x2:", "mlp:4:relu", "mlp:4x0x2:relu", "mlp:4x1:relu",
                // linear
                "linear:6", "linear:6x3x2", "linear:6x3:", "linear:+6x3", "linear:0x3", "linear:6x1",
                // encoder: form, names, every constraint
                "encoder:bert-L1-H8-A2-F16-V50-P16", "encoder:bert-L1-H8-A2-F16-V50-P16:2:16:1",
                "encoder:bert-l1-H8-A2-F16-V50-P16:2", "encoder:All-MiniLM-L6-v2:2",
                "encoder:bert-L1-H8-A2-F16-V50-P16:2:",
                "encoder:bert-L0-H8-A2-F16-V50-P16:2", "encoder:bert-L1-H0-A1-F16-V50-P16:2",
                "encoder:bert-L1-H8-A0-F16-V50-P16:2", "encoder:bert-L1-H8-A3-F16-V50-P16:2",
                "encoder:bert-L1-H8-A2-F0-V50-P16:2", "encoder:bert-L1-H8-A2-F16-V1-P16:2",
                "encoder:bert-L1-H8-A2-F16-V50-P0:2", "encoder:bert-L1-H8-A2-F16-V50-P16:1",
                "encoder:bert-L1-H8-A2-F16-V50-P16:2:0", "encoder:bert-L1-H8-A2-F16-V50-P16:2:17",
                "encoder:all-minilm-l6-v2:1", "encoder:all-minilm-l6-v2:2:513");
        for (String text : bad) {
            assertThatThrownBy(() -> ModelSpecs.parse(text)).as(text).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> ModelSpecs.parse("mlp:4x+3x2:relu"))
                .hasMessageContaining("width 1").hasMessageContaining("ASCII digits, at most 2147483647")
                .hasMessageContaining("got '+3'");
        assertThatThrownBy(() -> ModelSpecs.parse("encoder:bert-L1-H8-A3-F16-V50-P16:2"))
                .hasMessageContaining("encoder heads=3").hasMessageContaining("dividing hidden 8");
    }
}
