package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Subtask to coordinator: this subtask's share of step {@code step} has waited {@code seedflow.trainer.max-wait} for
 * the other subtasks' shares; the coordinator asks every subtask that has not sent one yet to send what it has
 * ({@link SendShareNowEvent}), so a slow or idle input cannot hold a step back for longer (docs/scale-out.md §3).
 */
public record MaxWaitReachedEvent(long step) implements OperatorEvent {
}
