package io.seedflow.operators.parallel;

import io.seedflow.core.zo.BatchPieces;
import org.apache.flink.api.common.functions.Partitioner;

/**
 * Routes the example at position g (numbered by a {@link BatchPositionAssigner}: 0, 1, 2, … without gaps) to the
 * trainer subtask whose share of a step holds batch position g mod B ({@link BatchPieces}). Without steps cut short
 * by max-wait, step n then trains exactly positions [nB, (n+1)B) at any parallelism that divides the pieces, so
 * records equal those of a run at another such parallelism (docs/scale-out.md §3).
 */
public final class BatchPositionPartitioner implements Partitioner<Long> {
    private static final long serialVersionUID = 1L;
    private final int batchSize;
    private final int configuredPieces;
    /** The pieces for the last subtask count asked (the same for every record of a job). */
    private transient BatchPieces pieces;

    /** @param configuredPieces {@code seedflow.trainer.batch-pieces} (0 = one per subtask) */
    public BatchPositionPartitioner(int batchSize, int configuredPieces) {
        this.batchSize = batchSize;
        this.configuredPieces = configuredPieces;
    }

    @Override
    public int partition(Long position, int subtasks) {
        if (pieces == null || pieces.parallelism() != subtasks) {
            pieces = BatchPieces.of(batchSize, configuredPieces, subtasks);
        }
        return pieces.subtaskOf(position);
    }
}
