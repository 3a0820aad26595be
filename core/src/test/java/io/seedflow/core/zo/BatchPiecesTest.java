package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.model.Batch;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPiecesTest {
    @Test
    void sharesAreContiguousPiecesAndRoutingAgreesWithThem() {
        for (int p : new int[] {1, 2, 3, 6}) {
            BatchPieces pieces = new BatchPieces(100, 6, p);
            int covered = 0;
            for (int i = 0; i < p; i++) {
                assertThat(pieces.shareStart(i)).isEqualTo(covered);
                for (int r = pieces.shareStart(i); r < pieces.shareStart(i) + pieces.shareSize(i); r++) {
                    assertThat(pieces.subtaskOf(r)).as("position %d at P=%d", r, p).isEqualTo(i);
                    assertThat(pieces.subtaskOf(r + 300L)).isEqualTo(i);
                }
                covered += pieces.shareSize(i);
            }
            assertThat(covered).isEqualTo(100);
        }
    }

    @Test
    void aShortShareIsCutAtTheFullBatchPositionsAndUnreachedPiecesAreLeftOut() {
        BatchPieces pieces = new BatchPieces(10, 4, 2); // pieces [0,2) [2,5) [5,7) [7,10); subtask 1 owns [5,10)
        Batch share = new Batch(new float[] {5, 6, 7}, new int[] {0, 0, 0}, 3, 1); // the input ended at position 8
        List<Batch> cut = pieces.cut(1, share);
        assertThat(cut).extracting(Batch::size).containsExactly(2, 1);
        assertThat(cut.get(1).features()).containsExactly(7f);
        assertThat(pieces.cut(0, new Batch(new float[] {0}, new int[] {0}, 1, 1))).extracting(Batch::size)
                .containsExactly(1);
    }

    @Test
    void piecesMustBeShareableByTheSubtasks() {
        assertThatThrownBy(() -> new BatchPieces(128, 4, 3)).hasMessageContaining("4 pieces cannot be shared by 3")
                .hasMessageContaining("seedflow.trainer.batch-pieces");
        assertThat(BatchPieces.of(128, 0, 3).pieces()).isEqualTo(3);
    }
}
