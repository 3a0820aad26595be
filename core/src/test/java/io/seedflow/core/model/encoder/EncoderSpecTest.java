package io.seedflow.core.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

class EncoderSpecTest {
    @Test
    void aModelWithFewerPositionsThanTheDefaultLimitReadsEveryPosition() {
        EncoderSpec spec = EncoderSpec.parse("encoder:bert-L1-H8-A2-F16-V50-P32:2");
        assertThat(spec.maxTokens()).isEqualTo(32);
        assertThat(spec.toText()).isEqualTo("encoder:bert-L1-H8-A2-F16-V50-P32:2");
        assertThat(EncoderSpec.parse("encoder:bert-L1-H8-A2-F16-V50-P512:2").maxTokens()).isEqualTo(128);
    }

    @Test
    void theCanonicalTextNamesALimitOnlyWhenItIsNotTheDefault() {
        assertThat(EncoderSpec.parse("encoder:all-minilm-l6-v2:2:128").toText()).isEqualTo("encoder:all-minilm-l6-v2:2");
        assertThat(EncoderSpec.parse("encoder:all-minilm-l6-v2:2:64").toText()).isEqualTo("encoder:all-minilm-l6-v2:2:64");
        assertThat(EncoderSpec.parse("encoder:bert-L1-H8-A2-F16-V50-P32:2:16").toText()).endsWith(":16");
    }

    @Test
    void aLimitOverThePositionsIsRefusedNamingTheSpec() {
        assertThatThrownBy(() -> EncoderSpec.parse("encoder:bert-L1-H8-A2-F16-V50-P32:2:64"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("encoder:bert-L1-H8-A2-F16-V50-P32:2:64").hasMessageContaining("1..32");
    }

    @Test
    void theCosineFlagIsTheLastPieceAndChangesNoTensor() {
        EncoderSpec cosine = EncoderSpec.parse("encoder:all-minilm-l6-v2:2:64:cosine");
        assertThat(cosine.cosine()).isTrue();
        assertThat(cosine.maxTokens()).isEqualTo(64);
        assertThat(cosine.toText()).isEqualTo("encoder:all-minilm-l6-v2:2:64:cosine");
        assertThat(EncoderSpec.parse("encoder:all-minilm-l6-v2:2:cosine").toText())
                .isEqualTo("encoder:all-minilm-l6-v2:2:cosine");
        assertThat(cosine.tensorSpecs()).isEqualTo(EncoderSpec.parse("encoder:all-minilm-l6-v2:2:64").tensorSpecs());
        assertThat(cosine).isNotEqualTo(EncoderSpec.parse("encoder:all-minilm-l6-v2:2:64"));
        for (String bad : new String[] {"encoder:all-minilm-l6-v2:2:cosine:64", "encoder:all-minilm-l6-v2:2:COSINE",
                "encoder:all-minilm-l6-v2:2:64:cosine:cosine", "encoder:all-minilm-l6-v2:2:64:cos"}) {
            assertThatThrownBy(() -> EncoderSpec.parse(bad)).as(bad).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining(bad).hasMessageNotContaining("\n");
        }
    }
}
