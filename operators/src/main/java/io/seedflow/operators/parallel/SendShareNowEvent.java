package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Coordinator to subtask: another subtask's share of step {@code step} has waited max-wait; send your share of that
 * step now with the examples you have (possibly none), instead of waiting for a full one ({@link MaxWaitReachedEvent}).
 */
public record SendShareNowEvent(long step) implements OperatorEvent {
}
