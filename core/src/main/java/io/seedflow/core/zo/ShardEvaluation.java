package io.seedflow.core.zo;

import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import java.util.List;

/**
 * The evaluate part of a ZO step on one shard of its mini-batch: for each probe of the {@link StepPlan}, in plan
 * order, the loss sums at theta + eps z and theta - eps z and the shard's example count, and with an exact head the
 * sums of its gradient at both passes of the first probe ({@code head}, else null). Shards are combined by
 * {@link ZoSgdTrainer#complete} in a fixed shard order.
 */
public record ShardEvaluation(List<LossSums> probes, HeadGradient head) {
    public ShardEvaluation {
        probes = List.copyOf(probes);
    }

    /** Without an exact head. */
    public ShardEvaluation(List<LossSums> probes) {
        this(probes, null);
    }

    public int examples() {
        return probes.isEmpty() ? 0 : probes.get(0).count();
    }
}
