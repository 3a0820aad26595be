package io.seedflow.core.zo;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.settings.TrainerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * How P = D × G trainer subtasks share a step: D data groups, each owning a share of the batch as {@link BatchPieces}
 * at parallelism D describes, times G probe groups, each evaluating q / G of the step's q probes (DistZO2's
 * perturbation parallelism combined with data parallelism). Subtask k = d G + g is in data group d = k / G and probe
 * group g = k mod G: the G subtasks of a data group are neighbours, and with G = 1 subtask k is data group k, as in the
 * plain data-parallel trainer. Every subtask of data group d receives every event of d's share and cuts it into the
 * same pieces; subtask (d, g) evaluates probes [g q / G, (g + 1) q / G) on each of them. The step's shard list is
 * rebuilt by {@link #piecesInOrder}: for each data group in order, each of its pieces with its G probe groups joined
 * ({@link ShardEvaluation#joinProbes}), which is exactly the list the same pieces evaluated with G = 1 give, so the
 * record is bit-identical to theirs.
 *
 * @param data the batch's pieces over the D data groups
 * @param probeGroups G, a divisor of {@code perturbations}
 * @param perturbations q, the probes of a step
 */
public record StepLayout(BatchPieces data, int probeGroups, int perturbations) {
    public StepLayout {
        checkProbeGroups(probeGroups, perturbations);
    }

    /**
     * The layout of {@code parallelism} subtasks in {@code probeGroups} probe groups for a trainer with
     * {@code options}: D = parallelism / G data groups sharing {@code configuredPieces} pieces (0 = one piece per data
     * group) of a batch of {@code batchSize}.
     *
     * @throws InvalidConfigurationException when G does not divide the parallelism or q, or the variant needs the
     *     whole batch in one place (CONSERVATIVE at parallelism > 1)
     * @throws IllegalArgumentException when D does not divide the pieces (as {@link BatchPieces})
     */
    public static StepLayout of(int batchSize, int configuredPieces, int parallelism, int probeGroups,
            ZoOptions options) {
        checkProbeGroups(probeGroups, options);
        if (parallelism % probeGroups != 0) {
            throw new InvalidConfigurationException(TrainerSettings.PROBE_GROUPS.key(), probeGroups,
                    "must divide the trainer parallelism (" + parallelism + "): the subtasks are data groups x probe "
                            + "groups; allowed here: " + divisors(parallelism));
        }
        if (parallelism > 1 && options.variant() == ZoVariant.CONSERVATIVE) {
            throw new InvalidConfigurationException(TrainerSettings.VARIANT.key(), options.variant(),
                    "CONSERVATIVE evaluates its candidate steps on the whole batch, which no subtask holds at trainer "
                            + "parallelism " + parallelism + "; use SGD, SIGN or MOMENTUM, or parallelism 1");
        }
        return new StepLayout(BatchPieces.of(batchSize, configuredPieces, parallelism / probeGroups), probeGroups,
                options.perturbations());
    }

    /**
     * The rules of {@link TrainerSettings#PROBE_GROUPS} against the estimator's settings: G >= 1 and G divides q
     * (MOMENTUM, CONSERVATIVE and subspace denoising run with q = 1, hence G = 1). An exact head is allowed: its
     * gradient comes from probe 0's passes, summed by the group holding probe 0.
     */
    public static void checkProbeGroups(int probeGroups, ZoOptions options) {
        checkProbeGroups(probeGroups, options.perturbations());
    }

    private static void checkProbeGroups(int probeGroups, int perturbations) {
        TrainerSettings.PROBE_GROUPS.check(probeGroups);
        if (perturbations < 1 || perturbations % probeGroups != 0) {
            throw new InvalidConfigurationException(TrainerSettings.PROBE_GROUPS.key(), probeGroups,
                    "must divide " + TrainerSettings.PERTURBATIONS.key() + " (" + perturbations + "): each probe group "
                            + "evaluates the same number of probes; allowed here: " + divisors(perturbations));
        }
    }

    private static List<Integer> divisors(int n) {
        return IntStream.rangeClosed(1, Math.max(n, 1)).filter(v -> n % v == 0).boxed().toList();
    }

    /** P = D × G. */
    public int parallelism() {
        return data.parallelism() * probeGroups;
    }

    /** D. */
    public int dataGroups() {
        return data.parallelism();
    }

    public int probesPerGroup() {
        return perturbations / probeGroups;
    }

    /** Subtask k = d G + g. */
    public int subtask(int dataGroup, int probeGroup) {
        return dataGroup * probeGroups + probeGroup;
    }

    public int dataGroupOf(int subtask) {
        return subtask / probeGroups;
    }

    public int probeGroupOf(int subtask) {
        return subtask % probeGroups;
    }

    /** First probe subtask {@code k} evaluates. */
    public int probeFrom(int subtask) {
        return probeGroupOf(subtask) * probesPerGroup();
    }

    /** One past the last probe subtask {@code k} evaluates. */
    public int probeTo(int subtask) {
        return probeFrom(subtask) + probesPerGroup();
    }

    /** The data group whose share holds batch position {@code position mod B}. */
    public int dataGroupOfPosition(long position) {
        return data.subtaskOf(position);
    }

    /** The subtasks that must receive the event at {@code position}: the G of its data group, in order. */
    public List<Integer> receivers(long position) {
        int first = subtask(dataGroupOfPosition(position), 0);
        return IntStream.range(first, first + probeGroups).boxed().toList();
    }

    /** How many examples subtask {@code k} takes for a full step: its data group's share. */
    public int shareSize(int subtask) {
        return data.shareSize(dataGroupOf(subtask));
    }

    /** Subtask {@code k}'s share cut at its data group's piece boundaries (see {@link BatchPieces#cut}). */
    public List<Batch> cut(int subtask, Batch share) {
        return data.cut(dataGroupOf(subtask), share);
    }

    /**
     * The step's shards in piece order from every subtask's piece evaluations ({@code bySubtask.get(k)}: subtask k's,
     * in its piece order): for each data group, each piece with its probe groups joined. With G = 1 this is the
     * subtasks' lists concatenated. The subtasks of a data group received the same events, so they bring the same
     * number of pieces.
     *
     * @throws IllegalArgumentException when the list does not hold P subtasks or a data group's subtasks disagree on
     *     their pieces
     */
    public List<ShardEvaluation> piecesInOrder(List<List<ShardEvaluation>> bySubtask) {
        if (bySubtask.size() != parallelism()) {
            throw new IllegalArgumentException("pieces in order: expected the evaluations of " + parallelism()
                    + " subtasks, got " + bySubtask.size());
        }
        List<ShardEvaluation> out = new ArrayList<>();
        for (int d = 0; d < dataGroups(); d++) {
            int pieces = bySubtask.get(subtask(d, 0)).size();
            for (int g = 1; g < probeGroups; g++) {
                if (bySubtask.get(subtask(d, g)).size() != pieces) {
                    throw new IllegalArgumentException("pieces in order: subtasks " + subtask(d, 0) + " and "
                            + subtask(d, g) + " of data group " + d + " evaluated " + pieces + " and "
                            + bySubtask.get(subtask(d, g)).size() + " pieces; they must receive the same events");
                }
            }
            for (int j = 0; j < pieces; j++) {
                List<ShardEvaluation> groups = new ArrayList<>(probeGroups);
                for (int g = 0; g < probeGroups; g++) {
                    groups.add(bySubtask.get(subtask(d, g)).get(j));
                }
                out.add(ShardEvaluation.joinProbes(groups));
            }
        }
        return out;
    }
}
