package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Coordinator to every subtask, sent just before the coordinator's part of checkpoint {@code checkpointId} completes:
 * from then on Flink holds back the coordinator's events to a subtask until that subtask has taken the checkpoint, so
 * a subtask must stop holding its input back while it waits for a gather, or its barrier would never be read
 * (docs/scale-out.md §4).
 */
public final class CheckpointPendingEvent implements OperatorEvent {
    private static final long serialVersionUID = 1L;
    private final long checkpointId;

    public CheckpointPendingEvent(long checkpointId) {
        this.checkpointId = checkpointId;
    }

    public long checkpointId() {
        return checkpointId;
    }

    @Override
    public String toString() {
        return "CheckpointPendingEvent{" + checkpointId + "}";
    }
}
