package io.seedflow.operators.internal;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.zo.ShardEvaluation;
import java.util.List;

/**
 * One trainer subtask's contribution to a data-parallel step: the step it planned, whether its input has ended, the
 * lineage ranges of its share and the evaluations of its share's pieces in piece order (none when it had no example).
 */
public record StepShare(long step, boolean inputEnded, List<Lineage> lineage, List<ShardEvaluation> pieces) {
    public StepShare {
        lineage = List.copyOf(lineage);
        pieces = List.copyOf(pieces);
    }

    public int examples() {
        int n = 0;
        for (ShardEvaluation p : pieces) {
            n += p.examples();
        }
        return n;
    }
}
