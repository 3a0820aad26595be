package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.CoordinationRequest;

/**
 * Subtask to coordinator, while the subtask drains a bounded input: "answer with the gathered shares of step
 * {@code step}" (a {@link StepGatheredEvent} as the response). Unlike an operator event to the subtask, Flink never
 * holds a response back behind a checkpoint barrier, which a subtask waiting in {@code endInput} could not read
 * (docs/scale-out.md §4). Names its sender, which the coordinator checks against the ready attempt.
 */
public record GatherRequest(long step, int subtask, int attemptNumber) implements CoordinationRequest {
}
