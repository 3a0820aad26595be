package io.seedflow.operators.parallel;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.zo.ShardEvaluation;
import io.seedflow.core.zo.StepLayout;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.StepShare;
import io.seedflow.operators.internal.StepShareCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Every subtask's share of one step, decoded and joined: the pieces' evaluations in piece order
 * ({@link StepLayout#piecesInOrder}), the lineage of every data group's events (once per group), the prequential
 * predictions in subtask order, and whether every input has ended.
 */
record GatheredShares(List<ShardEvaluation> shards, List<Lineage> lineage, List<Integer> scored, boolean allEnded) {
    /**
     * @throws IllegalStateException when the subtasks of a data group took different events (probe groups need one
     *     ordered input, from one BatchPositionAssigner)
     */
    static GatheredShares of(StepGatheredEvent gathered, StepLayout layout, String modelId) {
        List<List<ShardEvaluation>> bySubtask = new ArrayList<>();
        List<Lineage> ranges = new ArrayList<>();
        boolean allEnded = true;
        List<byte[]> payloads = gathered.payloads();
        List<Lineage> groupLineage = null;
        List<Integer> scored = new ArrayList<>();
        for (int k = 0; k < payloads.size(); k++) {
            StepShare share = StepShareCodec.decode(payloads.get(k));
            bySubtask.add(share.pieces());
            scored.addAll(share.scored());
            allEnded &= share.inputEnded();
            if (layout.probeGroupOf(k) == 0) {
                ranges.addAll(share.lineage()); // the data group's events, once
                groupLineage = share.lineage();
            } else if (!share.lineage().equals(groupLineage)) {
                throw new IllegalStateException("data-parallel trainer of model '" + modelId + "': subtasks "
                        + layout.subtask(layout.dataGroupOf(k), 0) + " and " + k + " of data group "
                        + layout.dataGroupOf(k) + " took different events for step " + gathered.step() + " ("
                        + groupLineage + " vs " + share.lineage() + "); with " + ZoTrainerOptions.PROBE_GROUPS.key()
                        + " > 1 every subtask of a data group must receive the same events in the same order, from "
                        + "one BatchPositionAssigner (DataParallelTraining)");
            }
        }
        return new GatheredShares(layout.piecesInOrder(bySubtask), ranges, scored, allEnded);
    }
}
