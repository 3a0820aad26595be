package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The D x G layout of a step's subtasks: numbering, probe ranges, routing, rebuilding the shard list, refusals. */
class StepLayoutTest {
    private static ZoOptions q(int perturbations) {
        return ZoOptions.builder().learningRate(1e-3).perturbations(perturbations).build();
    }

    @Test
    void subtaskKIsDataGroupKDivGAndProbeGroupKModG() {
        StepLayout layout = StepLayout.of(100, 4, 4, 2, q(4)); // D = 2 data groups x G = 2 probe groups
        assertThat(layout.parallelism()).isEqualTo(4);
        assertThat(layout.dataGroups()).isEqualTo(2);
        assertThat(layout.probesPerGroup()).isEqualTo(2);
        int[][] expected = {{0, 0, 0, 2}, {1, 0, 2, 4}, {2, 1, 0, 2}, {3, 1, 2, 4}}; // k, d, from, to
        for (int[] e : expected) {
            int k = e[0];
            assertThat(layout.dataGroupOf(k)).isEqualTo(e[1]);
            assertThat(layout.probeFrom(k)).isEqualTo(e[2]);
            assertThat(layout.probeTo(k)).isEqualTo(e[3]);
            assertThat(layout.subtask(layout.dataGroupOf(k), layout.probeGroupOf(k))).isEqualTo(k);
            assertThat(layout.shareSize(k)).isEqualTo(50);
        }
        StepLayout fourProbeGroups = StepLayout.of(100, 0, 4, 4, q(8));
        assertThat(fourProbeGroups.data().pieces()).isEqualTo(1); // 0 = one piece per data group
        assertThat(List.of(0, 1, 2, 3)).extracting(fourProbeGroups::probeFrom).containsExactly(0, 2, 4, 6);
    }

    @Test
    void anEventGoesToEverySubtaskOfItsDataGroup() {
        StepLayout layout = StepLayout.of(10, 4, 4, 2, q(2)); // pieces [0,2) [2,5) | [5,7) [7,10)
        for (long position = 0; position < 30; position++) {
            int d = (int) (position % 10) < 5 ? 0 : 1;
            assertThat(layout.dataGroupOfPosition(position)).isEqualTo(d);
            assertThat(layout.receivers(position)).containsExactly(2 * d, 2 * d + 1);
        }
        StepLayout probesOnly = StepLayout.of(10, 0, 3, 3, q(3));
        assertThat(probesOnly.receivers(7)).containsExactly(0, 1, 2);
    }

    @Test
    void withOneProbeGroupItIsTheDataParallelLayout() {
        BatchPieces pieces = new BatchPieces(100, 6, 3);
        StepLayout layout = StepLayout.of(100, 6, 3, 1, q(2));
        assertThat(layout.data()).isEqualTo(pieces);
        for (long position = 0; position < 100; position++) {
            assertThat(layout.receivers(position)).containsExactly(pieces.subtaskOf(position));
        }
        for (int k = 0; k < 3; k++) {
            assertThat(layout.probeFrom(k)).isZero();
            assertThat(layout.probeTo(k)).isEqualTo(2);
            assertThat(layout.shareSize(k)).isEqualTo(pieces.shareSize(k));
        }
        List<List<ShardEvaluation>> bySubtask = List.of(List.of(eval(0, 1, 2)), List.of(eval(0, 3, 4), eval(0, 5, 6)),
                List.of());
        assertThat(layout.piecesInOrder(bySubtask)).containsExactly(eval(0, 1, 2), eval(0, 3, 4), eval(0, 5, 6));
    }

    @Test
    void theShardListHasEachDataGroupsPiecesWithTheirProbeGroupsJoined() {
        StepLayout layout = StepLayout.of(8, 4, 4, 2, q(4));
        List<List<ShardEvaluation>> bySubtask = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int d = layout.dataGroupOf(k);
            int from = layout.probeFrom(k);
            // piece j of data group d: loss sums 100 d + 10 j + probe, 2 examples
            bySubtask.add(List.of(eval(from, 100 * d + from, 100 * d + from + 1),
                    eval(from, 100 * d + 10 + from, 100 * d + 10 + from + 1)));
        }
        List<ShardEvaluation> shards = layout.piecesInOrder(bySubtask);
        assertThat(shards).containsExactly(eval(0, 0, 1, 2, 3), eval(0, 10, 11, 12, 13), eval(0, 100, 101, 102, 103),
                eval(0, 110, 111, 112, 113));
        List<List<ShardEvaluation>> uneven = new ArrayList<>(bySubtask);
        uneven.set(3, bySubtask.get(3).subList(0, 1));
        assertThatThrownBy(() -> layout.piecesInOrder(uneven)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("subtasks 2 and 3 of data group 1 evaluated 2 and 1 pieces");
        assertThatThrownBy(() -> layout.piecesInOrder(bySubtask.subList(0, 3)))
                .hasMessageContaining("expected the evaluations of 4 subtasks, got 3");
    }

    @Test
    void joiningProbeGroupsStopsAtTheFirstNonFiniteProbeAsOneEvaluationWould() {
        HeadGradient head = new HeadGradient(2, 1);
        ShardEvaluation first = new ShardEvaluation(List.of(sums(1), sums(Double.NaN)), head, 0); // stopped at 1
        ShardEvaluation second = eval(2, 3, 4);
        ShardEvaluation joined = ShardEvaluation.joinProbes(List.of(first, second));
        assertThat(joined.probes()).containsExactly(sums(1), sums(Double.NaN));
        assertThat(joined.head()).isSameAs(head);
        assertThat(joined.firstProbe()).isZero();
        assertThatThrownBy(() -> ShardEvaluation.joinProbes(List.of(eval(0, 1, 2), eval(3, 4))))
                .hasMessageContaining("expected a group starting at probe 2, got one starting at 3");
        assertThatThrownBy(() -> ShardEvaluation.joinProbes(List.of(eval(1, 1))))
                .hasMessageContaining("expected a group starting at probe 0");
        assertThatThrownBy(() -> ShardEvaluation.joinProbes(List.of(eval(0, 1),
                new ShardEvaluation(List.of(new LossSums(2, 2, 3)), null, 1))))
                .hasMessageContaining("probe groups of different pieces (2 and 3 examples)");
        assertThatThrownBy(() -> new ShardEvaluation(List.of(sums(1)), head, 2))
                .hasMessageContaining("the exact head's gradient comes from probe 0");
    }

    @Test
    void refusesSplitsThatCannotBeExactNamingTheSettingAndWhatIsAllowed() {
        assertThatThrownBy(() -> StepLayout.of(128, 0, 4, 3, q(6)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("invalid setting seedflow.trainer.probe-groups=3: must divide the trainer parallelism (4): "
                        + "the subtasks are data groups x probe groups; allowed here: [1, 2, 4]");
        assertThatThrownBy(() -> StepLayout.of(128, 0, 4, 4, q(6)))
                .hasMessage("invalid setting seedflow.trainer.probe-groups=4: must divide seedflow.zo.perturbations "
                        + "(6): each probe group evaluates the same number of probes; allowed here: [1, 2, 3, 6]");
        assertThatThrownBy(() -> StepLayout.of(128, 0, 2, 0, q(2)))
                .hasMessageStartingWith("invalid setting seedflow.trainer.probe-groups=0: expected an integer, in [1,");
        ZoOptions conservative = ZoOptions.builder().learningRate(1e-3).variant(ZoVariant.CONSERVATIVE).build();
        assertThatThrownBy(() -> StepLayout.of(128, 0, 2, 1, conservative))
                .hasMessageStartingWith("invalid setting seedflow.zo.variant=CONSERVATIVE: CONSERVATIVE evaluates its "
                        + "candidate steps on the whole batch, which no subtask holds at trainer parallelism 2");
        assertThatThrownBy(() -> StepLayout.of(128, 0, 2, 2, conservative))
                .hasMessageContaining("probe-groups=2: must divide seedflow.zo.perturbations (1)");
        ZoOptions momentum = ZoOptions.builder().learningRate(1e-3).variant(ZoVariant.MOMENTUM).build();
        assertThatThrownBy(() -> StepLayout.of(128, 0, 2, 2, momentum)).hasMessageContaining("allowed here: [1]");
        ZoOptions subspace = ZoOptions.builder().learningRate(1e-3)
                .subspace(new SubspaceOptions(List.of("layers.1.weight"), 8, 1e-3)).build();
        assertThatThrownBy(() -> StepLayout.of(128, 0, 2, 2, subspace)).hasMessageContaining("allowed here: [1]");
        assertThatThrownBy(() -> StepLayout.of(128, 3, 4, 2, q(2))) // D = 2 cannot share 3 pieces
                .hasMessageContaining("3 pieces cannot be shared by 2 trainer subtasks");
        assertThat(StepLayout.of(128, 0, 1, 1, conservative).parallelism()).isEqualTo(1);
    }

    private static LossSums sums(double plus) {
        return new LossSums(plus, -plus, 2);
    }

    /** An evaluation of probes from {@code firstProbe} on, one per value, each of 2 examples. */
    private static ShardEvaluation eval(int firstProbe, double... plus) {
        List<LossSums> probes = new ArrayList<>();
        for (double p : plus) {
            probes.add(sums(p));
        }
        return new ShardEvaluation(probes, null, firstProbe);
    }
}
