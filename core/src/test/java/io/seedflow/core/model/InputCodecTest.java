package io.seedflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.data.RejectionReason;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.model.encoder.TokenInput;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The families' input codecs: what an event becomes, the trainer's shape check, batches. */
class InputCodecTest {
    private static final ModelSpec DENSE = ModelSpecs.parse("linear:3x2");
    private static final EncoderSpec TEXT = EncoderSpec.parse("encoder:bert-L1-H8-A2-F16-V50-P16:2:6");

    @Test
    void eachFamilyBringsTheCodecOfItsInput() {
        assertThat(DENSE.inputCodec()).isInstanceOf(DenseInput.class);
        assertThat(ModelSpecs.parse("mlp:3x4x2:relu").inputCodec()).isInstanceOf(DenseInput.class);
        assertThat(TEXT.inputCodec()).isInstanceOf(TokenInput.class);
    }

    @Test
    void denseEventsBecomeExamplesWithTheirLineageOrRejectionsWithTheReason() {
        try (InputCodec.Decoder d = DENSE.inputCodec().decoder(100)) {
            InputCodec.Decoded ok = d.decode("m", new float[] {1, 2, 3}, null, 1, "t", 2, 40);
            assertThat(ok.rejection()).isNull();
            assertThat(ok.example()).isEqualTo(new TrainingExample("m", new float[] {1, 2, 3}, 1, "t", 2, 40));
            assertThat(d.decode("m", null, "a text", 1, "t", 2, 41).rejection().reason())
                    .isEqualTo(RejectionReason.WRONG_PAYLOAD);
            assertThat(d.decode("m", new float[] {1, 2}, null, 1, "t", 2, 42).rejection().message())
                    .isEqualTo("expected 3 features, got 2");
            assertThat(d.decode("m", new float[] {1, Float.NaN, 3}, null, 1, "t", 2, 43).rejection().reason())
                    .isEqualTo(RejectionReason.NON_FINITE_FEATURE);
            assertThat(d.decode("m", new float[] {1, 2, 3}, null, 2, "t", 2, 44).rejection().reason())
                    .isEqualTo(RejectionReason.LABEL_OUT_OF_RANGE);
        }
    }

    @Test
    void theTrainersShapeCheckNamesWhatTheModelExpects() {
        assertThat(DENSE.inputCodec().misfit(new TrainingExample("m", new float[] {1, 2, 3}, 0, "t", 0, 0))).isEmpty();
        assertThat(DENSE.inputCodec().misfit(TrainingExample.ofTokens("m", new int[] {1, 2}, 0, "t", 0, 0)))
                .contains("expects 3 features and a label in [0, 2)");
        assertThat(TEXT.inputCodec().misfit(TrainingExample.ofTokens("m", new int[] {1, 2}, 1, "t", 0, 0))).isEmpty();
        assertThat(TEXT.inputCodec().misfit(TrainingExample.ofTokens("m", new int[7], 1, "t", 0, 0)))
                .contains("expects 1 to 6 token ids and a label in [0, 2)");
    }

    @Test
    void batchesKeepTheExamplesOrderAndPadTokensWithZero() {
        Batch dense = DENSE.inputCodec().batch(List.of(new TrainingExample("m", new float[] {1, 2, 3}, 1, "t", 0, 0),
                new TrainingExample("m", new float[] {4, 5, 6}, 0, "t", 0, 1)));
        assertThat(dense.features()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(dense.labels()).containsExactly(1, 0);
        Batch tokens = TEXT.inputCodec().batch(List.of(TrainingExample.ofTokens("m", new int[] {7, 8}, 1, "t", 0, 0),
                TrainingExample.ofTokens("m", new int[] {9}, 0, "t", 0, 1)));
        assertThat(tokens.tokenIds()).containsExactly(7, 8, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0);
        assertThat(tokens.tokenCounts()).containsExactly(2, 1);
    }

    @Test
    void aTextModelWithoutVocabularyIsRefusedWhenTheJobIsBuilt() {
        assertThatThrownBy(() -> TEXT.inputCodec().requireDecodable())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining(TEXT.toText());
    }
}
