package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One validation path for the estimator settings; every refusal names the configuration key. */
class ZoOptionsTest {

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                bad("seedflow.zo.learning-rate", b -> b.learningRate(0)),
                bad("seedflow.zo.learning-rate", b -> b.learningRate(-1e-3)),
                bad("seedflow.zo.learning-rate", b -> b.learningRate(Double.NaN)),
                bad("seedflow.zo.learning-rate", b -> b.learningRate(Double.POSITIVE_INFINITY)),
                bad("seedflow.zo.epsilon", b -> b.epsilon(0f)),
                bad("seedflow.zo.epsilon", b -> b.epsilon(-1e-3f)),
                bad("seedflow.zo.epsilon", b -> b.epsilon(Float.NaN)),
                bad("seedflow.zo.epsilon", b -> b.epsilon(Float.POSITIVE_INFINITY)),
                bad("seedflow.zo.perturbations", b -> b.perturbations(0)),
                bad("seedflow.zo.perturbations", b -> b.perturbations(-1)),
                bad("seedflow.zo.perturbations", b -> b.perturbations(1025)),
                bad("seedflow.zo.gradient-clip", b -> b.gradientClip(-1)),
                bad("seedflow.zo.gradient-clip", b -> b.gradientClip(Double.NaN)),
                bad("seedflow.zo.weight-decay", b -> b.weightDecay(-0.1)),
                bad("seedflow.zo.weight-decay", b -> b.learningRate(0.1).weightDecay(10)),
                bad("seedflow.zo.warmup-steps", b -> b.warmupSteps(-1)),
                bad("seedflow.zo.total-steps", b -> b.schedule(LearningRateSchedule.COSINE)),
                bad("seedflow.zo.total-steps", b -> b.schedule(LearningRateSchedule.LINEAR).totalSteps(-5)),
                bad("seedflow.zo.final-learning-rate-fraction", b -> b.finalLearningRateFraction(1.5)),
                bad("seedflow.zo.final-learning-rate-fraction", b -> b.finalLearningRateFraction(-0.1)));
    }

    private static Arguments bad(String key, UnaryOperator<ZoOptions.Builder> change) {
        return Arguments.of(key, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSettings")
    void builderRefusesInvalidSettingsNamingTheKey(String key, UnaryOperator<ZoOptions.Builder> change) {
        assertThatThrownBy(() -> change.apply(ZoOptions.builder()).build())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(key + "=");
    }

    @Test
    void messageNamesValueAndAllowedRange() {
        assertThatThrownBy(() -> ZoOptions.builder().learningRate(-0.5).build())
                .hasMessage("invalid setting seedflow.zo.learning-rate=-0.5: expected a number, finite and > 0");
        assertThatThrownBy(() -> ZoOptions.builder().schedule(LearningRateSchedule.COSINE).build())
                .hasMessageContaining("seedflow.zo.schedule=COSINE");
    }

    @Test
    void defaultsAndBoundaryValuesAreAccepted() {
        ZoOptions d = ZoOptions.builder().build();
        assertThat(d.learningRate()).isPositive();
        assertThat(d.epsilon()).isPositive();
        assertThat(d.perturbations()).isEqualTo(1);
        assertThat(d.schedule()).isEqualTo(LearningRateSchedule.CONSTANT);
        assertThat(d.nonFinitePolicy()).isEqualTo(NonFinitePolicy.SKIP);
        ZoOptions edge = ZoOptions.builder().perturbations(1024).gradientClip(0).weightDecay(0)
                .schedule(LearningRateSchedule.LINEAR).totalSteps(1).finalLearningRateFraction(1).build();
        assertThat(edge.perturbations()).isEqualTo(1024);
    }

    @Test
    void scheduleShapes() {
        Offset<Double> tol = Offset.offset(1e-12);
        ZoOptions constant = ZoOptions.builder().learningRate(0.1).warmupSteps(10).build();
        assertThat(constant.learningRateAt(5)).isCloseTo(0.05, tol);
        assertThat(constant.learningRateAt(10)).isCloseTo(0.1, tol);
        assertThat(constant.learningRateAt(1_000_000)).isCloseTo(0.1, tol);
        ZoOptions cosine = ZoOptions.builder().learningRate(0.1).schedule(LearningRateSchedule.COSINE).totalSteps(100)
                .finalLearningRateFraction(0.1).build();
        assertThat(cosine.learningRateAt(0)).isCloseTo(0.1, tol);
        assertThat(cosine.learningRateAt(50)).isCloseTo(0.1 * (0.1 + 0.9 * 0.5), tol);
        assertThat(cosine.learningRateAt(100)).isCloseTo(0.01, tol);
        assertThat(cosine.learningRateAt(500)).isCloseTo(0.01, tol);
        assertThat(cosine.learningRateAt(25)).isCloseTo(0.1 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4))), tol);
        ZoOptions linear = ZoOptions.builder().learningRate(0.1).schedule(LearningRateSchedule.LINEAR).warmupSteps(20)
                .totalSteps(120).build();
        assertThat(linear.learningRateAt(10)).isCloseTo(0.05, tol);
        assertThat(linear.learningRateAt(20)).isCloseTo(0.1, tol);
        assertThat(linear.learningRateAt(70)).isCloseTo(0.05, tol);
        assertThat(linear.learningRateAt(120)).isCloseTo(0.0, tol);
    }
}
