package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.CoordinationRequest;

/**
 * Subtask to coordinator, once a bounded input has drained and before the subtask finishes: "send me nothing more,
 * and answer once everything you sent me has been delivered". Flink counts an operator event that reaches a task
 * which has finished on its TaskManager, but not yet on the JobManager, as lost and fails the task over; a subtask
 * that applied a gather from a {@link GatherRequest}'s response may otherwise finish while the same gather's event
 * copy, or a {@link CheckpointPendingEvent}, is still on its way. Names its sender, which the coordinator checks
 * against the ready attempt.
 */
public record FinishRequest(int subtask, int attemptNumber) implements CoordinationRequest {
}
