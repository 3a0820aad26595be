package io.seedflow.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExampleValidatorTest {
    private final ExampleValidator v = new ExampleValidator(4, 10);

    @Test
    void acceptsAWellFormedExample() {
        assertThat(v.check(new float[] {0f, -1.5f, 3f, 1e30f}, 9)).isEmpty();
    }

    @Test
    void namesTheWrongLength() {
        Rejection r = v.check(new float[3], 1).orElseThrow();
        assertThat(r.reason()).isEqualTo(RejectionReason.WRONG_FEATURE_LENGTH);
        assertThat(r.message()).isEqualTo("expected 4 features, got 3");
    }

    @Test
    void namesTheNonFiniteFeature() {
        Rejection nan = v.check(new float[] {0f, 0f, Float.NaN, 0f}, 1).orElseThrow();
        assertThat(nan.reason()).isEqualTo(RejectionReason.NON_FINITE_FEATURE);
        assertThat(nan.message()).startsWith("feature 2 is NaN");
        Rejection inf = v.check(new float[] {Float.NEGATIVE_INFINITY, 0f, 0f, 0f}, 1).orElseThrow();
        assertThat(inf.message()).startsWith("feature 0 is -Infinity");
    }

    @Test
    void namesTheLabelAndTheRange() {
        assertThat(v.check(new float[4], 10).orElseThrow().message()).isEqualTo("label 10 is outside [0, 10)");
        assertThat(v.check(new float[4], -1).orElseThrow().reason()).isEqualTo(RejectionReason.LABEL_OUT_OF_RANGE);
    }

    @Test
    void missingFeaturesAndLengthComeBeforeLabel() {
        assertThat(v.check(null, 99).orElseThrow().reason()).isEqualTo(RejectionReason.MISSING_FEATURES);
        assertThat(v.check(new float[2], 99).orElseThrow().reason()).isEqualTo(RejectionReason.WRONG_FEATURE_LENGTH);
    }

    @Test
    void refusesANonsensicalModelShape() {
        assertThatThrownBy(() -> new ExampleValidator(0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("featureCount > 0");
    }
}
