package io.seedflow.operators.parallel;

import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Subtask to coordinator: one subtask's share of step {@code step}, as a {@code StepShareCodec} payload (opaque to
 * the coordinator). Flink's RPC serializes the event; the payload is our own versioned layout.
 */
public final class StepShareEvent implements OperatorEvent {
    private static final long serialVersionUID = 1L;
    private final long step;
    private final byte[] payload;
    private final boolean drained;
    private final int examples;

    /**
     * @param drained this subtask's input has ended and it has no example left (told to the coordinator, §4)
     * @param examples how many examples the share holds (told to the other subtasks of a data group, §5)
     */
    public StepShareEvent(long step, byte[] payload, boolean drained, int examples) {
        this.step = step;
        this.payload = payload.clone();
        this.drained = drained;
        this.examples = examples;
    }

    public int examples() {
        return examples;
    }

    public boolean drained() {
        return drained;
    }

    public long step() {
        return step;
    }

    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public String toString() {
        return "StepShareEvent{step=" + step + ", " + examples + " examples, " + payload.length + " bytes" + (drained ? ", drained" : "") + "}";
    }
}
