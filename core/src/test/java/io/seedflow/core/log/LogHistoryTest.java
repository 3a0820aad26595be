package io.seedflow.core.log;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.ForkedLogException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A restored trainer goes on only on its own line of the log: not behind it, not on another trainer's step. */
class LogHistoryTest {
    private static UpdateRecord step(long step, long seed, float coefficient, float monitoring) {
        return new UpdateRecord(1, "m", "base", step, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(seed, coefficient, monitoring, monitoring, monitoring)), 1e-3f, 0.1f, 8,
                List.of(new Lineage("events", 0, step * 8, step * 8 + 8)), 1000 + step, null, null, null);
    }

    /** A log whose newest step is {@code last}, holding {@code record} at its step. */
    private static LogHistory logWith(long last, UpdateRecord record) {
        return new LogHistory() {
            @Override
            public Optional<ModelHistory> of(String modelId, int historySteps) {
                throw new UnsupportedOperationException();
            }

            @Override
            public OptionalLong lastStep(String modelId) {
                return OptionalLong.of(last);
            }

            @Override
            public Optional<UpdateRecord> recordAt(String modelId, long step) {
                return step == record.step() ? Optional.of(record) : Optional.empty();
            }
        };
    }

    @Test
    void theTrainersOwnLineGoesOnWhateverTheMonitoringFields() {
        UpdateRecord own = step(7, 42, 0.25f, 3f);
        UpdateRecord readBack = step(7, 42, 0.25f, Float.NaN); // a compact record carries no monitoring fields
        assertThatCode(() -> logWith(7, readBack).requireOnLine("m", 7, own)).doesNotThrowAnyException();
        assertThatCode(() -> LogHistory.NONE.requireOnLine("m", 7, own)).doesNotThrowAnyException();
    }

    @Test
    void aLogPastTheRestoredVersionOrAnotherStepAtItsVersionIsAFork() {
        UpdateRecord own = step(7, 42, 0.25f, 3f);
        assertThatThrownBy(() -> logWith(9, own).requireOnLine("m", 7, own)).isInstanceOf(ForkedLogException.class)
                .hasMessage("model 'm': its log is at step 9, past this trainer's restored state at step 7: another "
                        + "trainer continued the model (a second job, or a restore from an older checkpoint or "
                        + "savepoint); this trainer stops so that the log stays one line of steps");
        assertThatThrownBy(() -> logWith(7, step(7, 43, 0.25f, 3f)).requireOnLine("m", 7, own))
                .isInstanceOf(ForkedLogException.class)
                .hasMessageStartingWith("model 'm': the log's step 7 is not this trainer's own step 7");
        assertThatThrownBy(() -> logWith(7, step(7, 42, Math.nextUp(0.25f), 3f)).requireOnLine("m", 7, own))
                .as("a coefficient one ulp away").isInstanceOf(ForkedLogException.class);
    }
}
