package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Subtask to coordinator: this subtask's bounded input has ended and it is draining (it waits in {@code endInput} for
 * the remaining steps, where it cannot read a checkpoint barrier). The coordinator then defers its checkpoints until
 * the drain is over, so that no gather the drain needs is held back behind a barrier (docs/scale-out.md §4).
 */
public final class InputEndedEvent implements OperatorEvent {
    private static final long serialVersionUID = 1L;

    @Override
    public String toString() {
        return "InputEndedEvent";
    }
}
