package io.seedflow.core.log;

import static org.assertj.core.api.Assertions.assertThat;
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
        return logWith(last, record, null);
    }

    /** A log whose newest step is {@code last}, holding {@code record} and the rollback {@code rollback}. */
    private static LogHistory logWith(long last, UpdateRecord record, ModelRollback rollback) {
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

            @Override
            public Optional<ModelRollback> rollbackAt(String modelId, long step) {
                return rollback != null && rollback.step() == step ? Optional.of(rollback) : Optional.empty();
            }
        };
    }

    @Test
    void theTrainersOwnLineGoesOnWhateverTheMonitoringFields() {
        UpdateRecord own = step(7, 42, 0.25f, 3f);
        UpdateRecord readBack = step(7, 42, 0.25f, Float.NaN); // a compact record carries no monitoring fields
        assertThatCode(() -> logWith(7, readBack).afterRestore("m", 7, own)).doesNotThrowAnyException();
        assertThatCode(() -> LogHistory.NONE.afterRestore("m", 7, own)).doesNotThrowAnyException();
    }

    @Test
    void aLogPastTheRestoredVersionOrAnotherStepAtItsVersionIsAFork() {
        UpdateRecord own = step(7, 42, 0.25f, 3f);
        assertThatThrownBy(() -> logWith(9, own).afterRestore("m", 7, own)).isInstanceOf(ForkedLogException.class)
                .hasMessage("model 'm': its log is at step 9, past this trainer's restored state at step 7: another "
                        + "trainer continued the model (a second job, or a restore from an older checkpoint or "
                        + "savepoint); this trainer stops so that the log stays one line of steps");
        assertThatThrownBy(() -> logWith(7, step(7, 43, 0.25f, 3f)).afterRestore("m", 7, own))
                .isInstanceOf(ForkedLogException.class)
                .hasMessageStartingWith("model 'm': the log's step 7 is not this trainer's own step 7");
        assertThatThrownBy(() -> logWith(7, step(7, 42, Math.nextUp(0.25f), 3f)).afterRestore("m", 7, own))
                .as("a coefficient one ulp away").isInstanceOf(ForkedLogException.class);
    }

    @Test
    void aRollbackRightAfterTheRestoredVersionIsTakenUpAndAnyStepAfterItIsAFork() {
        UpdateRecord own = step(7, 42, 0.25f, 3f);
        ModelRollback rollback = new ModelRollback("m", 8, 5, "w", "file:///s", "s", 10, 2000, "bad labels");
        assertThat(logWith(8, own, rollback).afterRestore("m", 7, own)).contains(rollback);
        assertThatThrownBy(() -> logWith(9, own, rollback).afterRestore("m", 7, own))
                .as("steps written after the rollback").isInstanceOf(ForkedLogException.class);
        assertThatThrownBy(() -> logWith(8, step(7, 43, 0.25f, 3f), rollback).afterRestore("m", 7, own))
                .as("the rollback follows another trainer's step 7").isInstanceOf(ForkedLogException.class);
        assertThat(logWith(8, own, rollback).afterRestore("m", 8, null)).as("already at the rollback").isEmpty();
    }

    @Test
    void aRollbackNamesAnEarlierVersion() {
        assertThatThrownBy(() -> new ModelRollback("m", 8, 7, "w", "u", "s", 1, 1, ""))
                .isInstanceOf(io.seedflow.core.error.InvalidUpdateRecordException.class)
                .hasMessage("rollback of model 'm' at step 8 to version 7: expected a version from 0 to 6 (an earlier "
                        + "version than the one it follows)");
    }
}
