package io.seedflow.core.zo;

import io.seedflow.core.model.Batch;
import java.util.ArrayList;
import java.util.List;

/**
 * How a step's mini-batch of {@code batchSize} positions is cut into {@code pieces} shards and spread over
 * {@code parallelism} subtasks, so that the step's records do not depend on the parallelism. Piece k covers batch
 * positions [floor(k B / S), floor((k+1) B / S)); subtask i owns pieces [i S / P, (i+1) S / P) — a contiguous share
 * of the batch. Each piece is evaluated as one shard and the shards are combined in piece order, so the same events
 * cut into the same pieces give the same sums (in doubles, whose addition is not associative) at every P that divides
 * S. A batch shorter than B (the end of a bounded input) is cut at the same positions; pieces it does not reach are
 * empty and left out.
 *
 * @param batchSize B, the examples of a full step
 * @param pieces S, at least 1 and at most B; a multiple of {@code parallelism}
 * @param parallelism P, the subtasks sharing a step
 */
public record BatchPieces(int batchSize, int pieces, int parallelism) {
    public BatchPieces {
        if (batchSize < 1 || pieces < 1 || pieces > batchSize) {
            throw new IllegalArgumentException("batch pieces: needs 1 <= pieces <= batch size, got " + pieces
                    + " pieces of a batch of " + batchSize);
        }
        if (parallelism < 1 || pieces % parallelism != 0) {
            throw new IllegalArgumentException("batch pieces: " + pieces + " pieces cannot be shared by "
                    + parallelism + " trainer subtasks; set seedflow.trainer.batch-pieces to a multiple of the "
                    + "trainer parallelism (0 = one piece per subtask)");
        }
    }

    /** Pieces = parallelism when {@code configured} is 0, else {@code configured}. */
    public static BatchPieces of(int batchSize, int configured, int parallelism) {
        return new BatchPieces(batchSize, configured == 0 ? parallelism : configured, parallelism);
    }

    /** First batch position of piece {@code k} (k = pieces gives batchSize). */
    public int pieceStart(int k) {
        return (int) ((long) k * batchSize / pieces);
    }

    /** First batch position of subtask {@code i}'s share. */
    public int shareStart(int subtask) {
        return pieceStart(subtask * piecesPerSubtask());
    }

    /** How many examples subtask {@code i} contributes to a full step. */
    public int shareSize(int subtask) {
        return shareStart(subtask + 1) - shareStart(subtask);
    }

    public int piecesPerSubtask() {
        return pieces / parallelism;
    }

    /** The subtask whose share holds batch position {@code position mod batchSize}. */
    public int subtaskOf(long position) {
        int r = (int) Math.floorMod(position, (long) batchSize);
        int k = (int) ((long) r * pieces / batchSize); // within one piece of the answer: adjust
        while (k > 0 && pieceStart(k) > r) {
            k--;
        }
        while (k + 1 < pieces && pieceStart(k + 1) <= r) {
            k++;
        }
        return k / piecesPerSubtask();
    }

    /**
     * Subtask {@code i}'s share of a step ({@code share}: its first {@code share.size()} examples, at most
     * {@link #shareSize}) cut at its pieces' boundaries; pieces the share does not reach are left out.
     */
    public List<Batch> cut(int subtask, Batch share) {
        List<Batch> out = new ArrayList<>(piecesPerSubtask());
        int origin = shareStart(subtask);
        for (int k = subtask * piecesPerSubtask(); k < (subtask + 1) * piecesPerSubtask(); k++) {
            int from = pieceStart(k) - origin;
            int to = Math.min(pieceStart(k + 1) - origin, share.size());
            if (to > from) {
                out.add(share.slice(from, to));
            }
        }
        return out;
    }
}
