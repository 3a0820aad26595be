package io.seedflow.jobs.study.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.encoder.EncoderSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitialHeadTest {
    private static final EncoderSpec COSINE = EncoderSpec.parse("encoder:all-minilm-l6-v2:2:32:cosine");

    @Test
    void prototypesAreTwentyTimesTheDescriptionsUnitLengthEmbeddings() {
        InitialHead head = InitialHead.prototypes(COSINE, List.of("a personal or work email",
                "unsolicited bulk advertising email"));
        assertThat(head.bias()).containsExactly(0f, 0f);
        double cosine = 0;
        for (int c = 0; c < 2; c++) {
            double length = 0;
            for (int i = 0; i < COSINE.hidden(); i++) {
                length += Math.pow(head.weight()[i * 2 + c], 2);
            }
            assertThat(Math.sqrt(length)).isCloseTo(InitialHead.SCALE, within(1e-3));
        }
        for (int i = 0; i < COSINE.hidden(); i++) {
            cosine += (double) head.weight()[i * 2] * head.weight()[i * 2 + 1] / (InitialHead.SCALE * InitialHead.SCALE);
        }
        assertThat(cosine).as("two different descriptions").isLessThan(0.99);
    }

    @Test
    void badDescriptionsGetOneLineNamingTheFlag() {
        assertThatThrownBy(() -> InitialHead.prototypes(COSINE, List.of("ham", "   ")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("--class-descriptions")
                .hasMessageContaining("description 1").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> InitialHead.prototypes(COSINE, List.of("only one")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("--class-descriptions")
                .hasMessageContaining("one description per class, 2");
        assertThatThrownBy(() -> InitialHead.prototypes(COSINE.withCosine(false), List.of("ham", "spam")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("--class-descriptions")
                .hasMessageContaining(":cosine");
    }
}
