package io.seedflow.operators.internal;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.zo.ShardEvaluation;
import java.util.List;

/**
 * One trainer subtask's contribution to a data-parallel step: the step it planned, whether its input has ended, the
 * lineage ranges of its share, the evaluations of its share's pieces in piece order (none when it had no example),
 * and its share's test-then-train predictions ({@code scored}: per example, in share order,
 * {@link io.seedflow.core.model.PrequentialScore#cell}s, predicted by the weights before the step; empty when the prequential score is off or another subtask of its data group scores the share).
 */
public record StepShare(long step, boolean inputEnded, List<Lineage> lineage, List<ShardEvaluation> pieces,
        List<Integer> scored) {
    public StepShare {
        lineage = List.copyOf(lineage);
        pieces = List.copyOf(pieces);
        scored = List.copyOf(scored);
    }

    /** Without predictions. */
    public StepShare(long step, boolean inputEnded, List<Lineage> lineage, List<ShardEvaluation> pieces) {
        this(step, inputEnded, lineage, pieces, List.of());
    }

    public int examples() {
        int n = 0;
        for (ShardEvaluation p : pieces) {
            n += p.examples();
        }
        return n;
    }
}
