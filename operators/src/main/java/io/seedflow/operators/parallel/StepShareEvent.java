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
    private final boolean inputEnded;
    private final boolean drained;
    private final int examples;

    /**
     * @param inputEnded this subtask's input has ended: from now on it asks for each gather by request, and is sent no
     *        gather as an event (§4)
     * @param drained its input has ended and it has no example left (told to the coordinator, §4)
     * @param examples how many examples the share holds (told to the other subtasks of a data group, §5)
     */
    public StepShareEvent(long step, byte[] payload, boolean inputEnded, boolean drained, int examples) {
        this.step = step;
        this.payload = payload.clone();
        this.inputEnded = inputEnded;
        this.drained = drained;
        this.examples = examples;
    }

    public boolean inputEnded() {
        return inputEnded;
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
