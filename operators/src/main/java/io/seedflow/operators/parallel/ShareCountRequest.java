package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.CoordinationRequest;

/**
 * Subtask to coordinator, from a subtask that is not the first of its data group (probe groups, docs/scale-out.md
 * §5): "how many examples did my data group's first subtask put into its share of step {@code step}?". Its siblings
 * take the same first examples (they receive the same events in the same order), so the group's pieces match however
 * the first subtask cut the step (a full share, max-wait, the end of its input). Answered ({@link CoordinationAnswers#shareCount})
 * once that share has arrived; as a request, never held back behind a barrier. Names its sender, which the
 * coordinator checks against the ready attempt.
 */
public record ShareCountRequest(long step, int subtask, int attemptNumber) implements CoordinationRequest {
}
