package io.seedflow.operators.parallel;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Coordinator to every subtask: the payloads of all subtasks' shares of step {@code step}, in subtask order. Sent as an
 * operator event, and to a draining subtask's {@link GatherRequest} as a {@link CoordinationAnswers#gathered} answer.
 */
public final class StepGatheredEvent implements OperatorEvent {
    private static final long serialVersionUID = 1L;
    private final long step;
    private final byte[][] payloads;

    public StepGatheredEvent(long step, List<byte[]> payloads) {
        this.step = step;
        this.payloads = payloads.toArray(new byte[0][]);
    }

    public long step() {
        return step;
    }

    /** Subtask i's payload at index i. */
    public List<byte[]> payloads() {
        return new ArrayList<>(List.of(payloads));
    }

    /** Bytes of all payloads together. */
    public int payloadBytes() {
        int n = 0;
        for (byte[] p : payloads) {
            n += p.length;
        }
        return n;
    }

    @Override
    public String toString() {
        return "StepGatheredEvent{step=" + step + ", " + payloads.length + " shares, " + payloadBytes() + " bytes}";
    }
}
