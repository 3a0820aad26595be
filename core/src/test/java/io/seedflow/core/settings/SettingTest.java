package io.seedflow.core.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.zo.LearningRateSchedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SettingTest {
    private static final List<Setting<?>> ALL = Stream.concat(TrainerSettings.ALL.stream(), JobSettings.ALL.stream())
            .toList();

    @Test
    void parsesEachKindAndChecksItsRules() {
        assertThat(TrainerSettings.BATCH_SIZE.parse(" 256 ")).isEqualTo(256);
        assertThat(TrainerSettings.LEARNING_RATE.parse("2e-4")).isEqualTo(2e-4);
        assertThat(TrainerSettings.EPSILON.parse("0.01")).isEqualTo(0.01f);
        assertThat(TrainerSettings.RUN_SEED.parse("-7")).isEqualTo(-7L);
        assertThat(TrainerSettings.SCHEDULE.parse("cosine")).isEqualTo(LearningRateSchedule.COSINE);
        assertThat(TrainerSettings.MAX_WAIT.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(TrainerSettings.TRAINABLE_TENSORS.parse("a.weight, b.bias;c")).containsExactly("a.weight",
                "b.bias", "c");
        assertThat(TrainerSettings.TRAINABLE_TENSORS.parse("")).isEmpty();
        assertThat(JobSettings.EVENTS_TOPIC.parse("my.events-1")).isEqualTo("my.events-1");
    }

    @Test
    void aBadValueIsNamedWithTheKeyTheValueAsWrittenAndWhatIsAllowed() {
        assertThatThrownBy(() -> TrainerSettings.BATCH_SIZE.parse("-3"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("invalid setting seedflow.trainer.batch-size=-3: expected an integer, in [1, 65536]");
        assertThatThrownBy(() -> TrainerSettings.LEARNING_RATE.parse("fast"))
                .hasMessage("invalid setting seedflow.zo.learning-rate=fast: expected a number, finite and > 0");
        assertThatThrownBy(() -> TrainerSettings.LEARNING_RATE.parse("NaN")).hasMessageContaining("finite and > 0");
        assertThatThrownBy(() -> TrainerSettings.SCHEDULE.parse("step"))
                .hasMessageContaining("=step: expected one of [CONSTANT, COSINE, LINEAR]");
        assertThatThrownBy(() -> TrainerSettings.MAX_WAIT.parse("0s")).hasMessageContaining("> 0");
        assertThatThrownBy(() -> JobSettings.EVENTS_TOPIC.parse("bad topic")).hasMessageContaining("Kafka topic");
        assertThatThrownBy(() -> TrainerSettings.PERTURBATIONS.check(0))
                .hasMessage("invalid setting seedflow.zo.perturbations=0: expected an integer, in [1, 1024]");
        InvalidConfigurationException e = (InvalidConfigurationException) org.assertj.core.api.Assertions
                .catchThrowable(() -> TrainerSettings.BATCH_SIZE.parse("x"));
        assertThat(e.setting()).isEqualTo("seedflow.trainer.batch-size");
        assertThat(e.value()).isEqualTo("x");
        assertThat(e.allowed()).isEqualTo("expected an integer, in [1, 65536]");
    }

    @Test
    void everyDeclarationHasAUniqueKeyAndFlagAndADefaultThatReadsBack() {
        Set<String> keys = new HashSet<>();
        Set<String> flags = new HashSet<>();
        for (Setting<?> s : ALL) {
            assertThat(keys.add(s.key())).as("key declared twice: " + s.key()).isTrue();
            for (String f : s.flagNames()) {
                assertThat(f).startsWith("--");
                assertThat(flags.add(f)).as("flag declared twice: " + f).isTrue();
            }
            assertThat(s.doc()).isNotBlank();
            if (s.defaultValue().isPresent()) {
                assertThat((Object) s.parse(s.defaultText())).as(s.key()).isEqualTo(s.defaultValue().get());
            }
        }
    }

    @Test
    void theDefaultsAreTheMeasuredStreamingRecipe() {
        // docs/benchmarks.md §1b: batch 128 at a constant 5e-4 learns most; batch 64 at 1e-3 diverges
        assertThat(TrainerSettings.BATCH_SIZE.defaultValue()).contains(128);
        assertThat(TrainerSettings.LEARNING_RATE.defaultValue()).contains(5e-4);
        assertThat(TrainerSettings.SCHEDULE.defaultValue()).contains(LearningRateSchedule.CONSTANT);
    }

    @Test
    void aDeclarationWhoseDefaultBreaksItsRulesFailsAtOnce() {
        assertThatThrownBy(() -> Setting.intSetting("seedflow.test.n").defaultValue(0).doc("n")
                .check(v -> v >= 1, ">= 1").build()).hasMessageContaining("seedflow.test.n=0");
        assertThatThrownBy(() -> Setting.intSetting("Seedflow.Bad").doc("n").build())
                .hasMessageContaining("lower case");
    }

    @Test
    void durationsReadWhatPeopleWriteAndRefuseABareNumber() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("10 s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(Durations.parse("2min")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("PT90S")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> Durations.parse("180")).hasMessageContaining("'180' has no unit");
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> Durations.parse("5 weeks")).hasMessageContaining("is not a duration");
        List<Duration> samples = new ArrayList<>(List.of(Duration.ofMillis(250), Duration.ofSeconds(10),
                Duration.ofMinutes(2), Duration.ofHours(3), Duration.ofDays(7), Duration.ZERO));
        for (Duration d : samples) {
            assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
        }
    }
}
