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
}
