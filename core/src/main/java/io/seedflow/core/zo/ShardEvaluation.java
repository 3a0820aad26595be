package io.seedflow.core.zo;

import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import java.util.ArrayList;
import java.util.List;

/**
 * The evaluate part of a ZO step on one shard of its mini-batch: for probes {@code firstProbe}, {@code firstProbe + 1},
 * ... of the {@link StepPlan}, in plan order, the loss sums at theta + eps z and theta - eps z and the shard's
 * example count, and with an exact head the sums of its gradient at both passes of probe 0 ({@code head}, else null;
 * only an evaluation that starts at probe 0 has it). The list stops after the first non-finite probe (the later ones
 * are not needed). A full evaluation starts at probe 0; a probe group's (a perturbation-parallel step,
 * {@link StepLayout}) at its first probe, and it is joined with the other groups of the same piece by
 * {@link #joinProbes} before {@link ZoSgdTrainer#complete} combines the shards in a fixed shard order.
 */
public record ShardEvaluation(List<LossSums> probes, HeadGradient head, int firstProbe) {
    public ShardEvaluation {
        probes = List.copyOf(probes);
        if (firstProbe < 0) {
            throw new IllegalArgumentException("shard evaluation: first probe must be >= 0, got " + firstProbe);
        }
        if (head != null && firstProbe != 0) {
            throw new IllegalArgumentException("shard evaluation: the exact head's gradient comes from probe 0, but "
                    + "this evaluation starts at probe " + firstProbe);
        }
    }

    /** From probe 0. */
    public ShardEvaluation(List<LossSums> probes, HeadGradient head) {
        this(probes, head, 0);
    }

    /** From probe 0, without an exact head. */
    public ShardEvaluation(List<LossSums> probes) {
        this(probes, null, 0);
    }

    public int examples() {
        return probes.isEmpty() ? 0 : probes.get(0).count();
    }

    /** One past the last probe held. */
    public int probeEnd() {
        return firstProbe + probes.size();
    }

    /** Whether the evaluation stopped at a non-finite probe (its last). */
    public boolean stoppedNonFinite() {
        return !probes.isEmpty() && !probes.get(probes.size() - 1).finite();
    }

    /**
     * One piece's evaluation from its probe groups, given in probe order (each starting where the previous one ended,
     * the first at probe 0): the concatenated probes, cut after the first non-finite one, and the first group's exact
     * head. This is exactly the list a single evaluation of all probes on the piece gives, since probe k's sums depend
     * only on the weights, the piece, the plan and k. A group that stopped at a non-finite probe ends the list there
     * (later groups evaluated probes a single evaluation would have skipped; they are dropped).
     *
     * @throws IllegalArgumentException when the groups are empty, not contiguous from probe 0, or of different pieces
     */
    public static ShardEvaluation joinProbes(List<ShardEvaluation> groupsInOrder) {
        if (groupsInOrder.isEmpty()) {
            throw new IllegalArgumentException("join probes: no probe group given");
        }
        List<LossSums> probes = new ArrayList<>();
        int next = 0;
        int examples = groupsInOrder.get(0).examples();
        for (ShardEvaluation group : groupsInOrder) {
            if (group.firstProbe() != next) {
                throw new IllegalArgumentException("join probes: the probe groups must follow each other from probe "
                        + "0; expected a group starting at probe " + next + ", got one starting at "
                        + group.firstProbe());
            }
            if (group.examples() != examples) {
                throw new IllegalArgumentException("join probes: probe groups of different pieces (" + examples
                        + " and " + group.examples() + " examples)");
            }
            probes.addAll(group.probes());
            if (group.stoppedNonFinite()) {
                break;
            }
            next = group.probeEnd();
        }
        return new ShardEvaluation(probes, groupsInOrder.get(0).head(), 0);
    }
}
