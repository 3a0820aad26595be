package io.seedflow.core.zo;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.error.NonFiniteLossException;
import io.seedflow.core.log.HeadDelta;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.rng.SeedDerivation;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceCorrection;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * MeZO ZO-SGD (Malladi et al., NeurIPS 2023) with SeedFlow's exact update rule, and its refinements: sparse masks
 * ({@link SparsityOptions}), subspace-denoised estimates ({@link SubspaceOptions}) and the variants of
 * {@link ZoVariant}. One step on a mini-batch: the step's mask from the unperturbed weights; for each of q
 * perturbations with seed s_k, L+ and L- on the same batch (theta untouched, z masked inside the pass),
 * g_k = (L+ - L-) / (2 eps) clipped to [-C, C], c_k = float(lr_t * g_k / q) (variants: see {@link ZoVariant});
 * the resulting record is applied through the backend exactly as a replica applies it, so trainer and replicas
 * hold the same bits. Memory: the weights plus the backend's inference buffers; no perturbed copy.
 */
public final class ZoSgdTrainer {
    private final ComputeBackend backend;
    private final ParameterSet params;
    private final ZoOptions options;
    private final String modelId;
    private final MaskPlanner masks;
    private final SubspaceDenoiser denoiser;
    /** MOMENTUM: the newest first, at most momentumTerms past steps (seed, g, L+, L-). */
    private final ArrayDeque<PerturbationTerm> momentum = new ArrayDeque<>();
    private String baseSnapshotId;
    private long version;
    private long skippedSteps;

    /** @param version the step {@code params} are at (0 for a fresh base snapshot) */
    public ZoSgdTrainer(ComputeBackend backend, ParameterSet params, ZoOptions options, String modelId,
            String baseSnapshotId, long version) {
        options.checkModel(backend.spec());
        this.backend = backend;
        this.params = params;
        this.options = options;
        this.modelId = modelId;
        this.baseSnapshotId = baseSnapshotId;
        this.version = version;
        this.masks = new MaskPlanner(options.sparsity(), backend.spec(), options.runSeed(), options.exactHead());
        this.denoiser = options.subspace().enabled() ? new SubspaceDenoiser(options.subspace(), params.specs()) : null;
    }

    /**
     * How many of the newest records before the current version {@link #resume} needs to continue exactly as an
     * uninterrupted trainer would (last thresholds and momentum: 1; a subspace window history: 2 τ).
     */
    public int historySteps() {
        return historySteps(options);
    }

    /** {@link #historySteps()} of a trainer with {@code options}. */
    public static int historySteps(ZoOptions options) {
        return options.subspace().enabled() ? 2 * options.subspace().window() : 1;
    }

    /**
     * Continues after a restore: takes the mask thresholds, momentum and subspace window from {@code history}, the
     * records of the steps up to the current version in step order (at least the last {@link #historySteps()} of
     * them where they exist; records after the current version are ignored). Without the record of the current
     * version the trainer starts its history afresh (exact only for settings that need none: dense SGD/SIGN).
     */
    public void resume(List<UpdateRecord> history) {
        List<UpdateRecord> past = history.stream().filter(r -> r.step() <= version).toList();
        if (past.isEmpty()) {
            return;
        }
        UpdateRecord last = past.get(past.size() - 1);
        if (last.step() != version) {
            return; // no record of the current version (state from before history was kept): start afresh
        }
        masks.resume(last);
        momentum.clear();
        if (options.variant() == ZoVariant.MOMENTUM) {
            for (PerturbationTerm t : last.perturbations()) {
                momentum.addLast(t);
            }
        }
        if (denoiser != null) {
            denoiser.resume(past);
        }
    }

    /**
     * Runs one step on {@code batch}, applies it, and returns its record (step = previous version + 1): the parts
     * {@link #plan}, {@link #evaluate} on the whole batch as one shard, and {@link #complete}.
     */
    public UpdateRecord step(Batch batch, List<Lineage> lineage) {
        StepPlan plan = plan();
        return complete(plan, List.of(evaluate(plan, batch)), lineage, batch);
    }

    /** The lowest tensor the steps train (the first entry of every step's mask; 0 when every tensor is trained). */
    public int firstTrainedTensor() {
        return masks.firstTrainedTensor();
    }

    /** Part 1: the next step's seeds, learning rate, epsilon and mask, from the step number and current weights. */
    public StepPlan plan() {
        long step = version + 1;
        long[] seeds = new long[options.perturbations()];
        for (int k = 0; k < seeds.length; k++) {
            seeds[k] = SeedDerivation.perturbationSeed(options.runSeed(), step, k);
        }
        return new StepPlan(step, options.learningRateAt(step), options.epsilon(), seeds, masks.maskFor(step, params));
    }

    /**
     * Part 2: the loss sums of every probe of {@code plan} on one shard of the step's mini-batch. Reads the weights,
     * never changes them; any subtask holding the same weights may evaluate any shard.
     */
    public ShardEvaluation evaluate(StepPlan plan, Batch shard) {
        return evaluate(plan, shard, 0, plan.perturbations());
    }

    /**
     * Part 2 for probes [{@code probeFrom}, {@code probeTo}) of {@code plan} only (a probe group of a
     * perturbation-parallel step, {@link StepLayout}): probe k is perturbed by the plan's seed k and the step's mask,
     * so its sums are exactly those of the full evaluation; the exact head's gradient is summed only by the group
     * holding probe 0. Stops after a non-finite probe, as the full evaluation does.
     */
    public ShardEvaluation evaluate(StepPlan plan, Batch shard, int probeFrom, int probeTo) {
        checkCurrent(plan);
        if (probeFrom < 0 || probeFrom >= probeTo || probeTo > plan.perturbations()) {
            throw new IllegalArgumentException("probes [" + probeFrom + ", " + probeTo + ") are not a non-empty range "
                    + "of the step's " + plan.perturbations() + " probes");
        }
        List<LossSums> probes = new ArrayList<>(probeTo - probeFrom);
        int t = params.size();
        HeadGradient head = options.exactHead() && probeFrom == 0
                ? new HeadGradient(params.tensor(t - 2).length, params.tensor(t - 1).length) : null;
        for (int k = probeFrom; k < probeTo; k++) {
            LossSums sums = backend.perturbedLossSums(params, shard, plan.seed(k), plan.epsilon(), plan.mask(),
                    k == 0 ? head : null);
            probes.add(sums);
            if (!sums.finite()) {
                break; // the step is skipped or fails: the later probes are not needed
            }
        }
        return new ShardEvaluation(probes, head, probeFrom);
    }

    /**
     * Parts 3 to 5: combines the shards' sums in the given (fixed) order into each probe's mean losses, builds the
     * record (coefficients, mask, subspace correction), applies it to the weights exactly as a replica does, and
     * returns it. {@code localBatch} is the whole mini-batch, needed only by the conservative variant (which
     * evaluates the candidate steps on it), else may be null.
     */
    public UpdateRecord complete(StepPlan plan, List<ShardEvaluation> shards, List<Lineage> lineage, Batch localBatch) {
        checkCurrent(plan);
        long step = plan.step();
        int q = plan.perturbations();
        double lr = plan.learningRate();
        float eps = plan.epsilon();
        UpdateMask mask = plan.mask();
        List<PerturbationTerm> terms = new ArrayList<>(q);
        boolean finite = true;
        int examples = 0;
        for (ShardEvaluation s : shards) {
            requireAllProbes(s, q);
            examples += s.examples();
        }
        for (int k = 0; k < q && finite; k++) {
            LossSums sums = combined(shards, k);
            if (sums == null || !sums.finite()) {
                if (options.nonFinitePolicy() == NonFinitePolicy.FAIL) {
                    throw new NonFiniteLossException(step, sums == null ? Double.NaN : sums.meanPlus(),
                            sums == null ? Double.NaN : sums.meanMinus());
                }
                finite = false;
                break;
            }
            double plus = sums.meanPlus();
            double minus = sums.meanMinus();
            double g = (plus - minus) / (2.0 * eps);
            double clip = options.gradientClip();
            if (clip > 0) {
                g = Math.max(-clip, Math.min(clip, g));
            }
            float c = (float) (lr * options.variant().direction(g) / q);
            terms.add(new PerturbationTerm(plan.seed(k), c, (float) g, (float) plus, (float) minus));
        }
        UpdateStatus status = finite ? UpdateStatus.APPLIED : UpdateStatus.SKIPPED_NON_FINITE;
        if (!finite) {
            terms.clear();
            momentum.clear(); // a non-finite step resets the momentum (its record carries no terms to resume from)
            skippedSteps++;
        } else if (options.variant() == ZoVariant.MOMENTUM) {
            terms = momentumTerms(terms.get(0), lr);
        } else if (options.variant() == ZoVariant.CONSERVATIVE) {
            if (localBatch == null) {
                throw new IllegalStateException("the CONSERVATIVE variant evaluates its candidates on the whole "
                        + "mini-batch; complete() needs it");
            }
            terms = conservative(terms.get(0), localBatch, mask);
        }
        SubspaceCorrection correction = null;
        if (denoiser != null) {
            boolean moved = !terms.isEmpty();
            long seed = moved ? terms.get(0).seed() : 0L;
            float c = moved ? terms.get(0).coefficient() : 0f;
            correction = moved ? denoiser.correct(step, seed, c, mask, params) : null;
            denoiser.observe(step, seed, c);
        }
        float decay = options.weightDecay() > 0 ? (float) (1.0 - lr * options.weightDecay()) : 1f;
        HeadDelta headDelta = finite && options.exactHead() ? headDelta(shards, options.headLearningRateAt(step))
                : null;
        UpdateRecord record = new UpdateRecord(UpdateRecord.formatVersionFor(mask, correction, headDelta), modelId,
                baseSnapshotId, step, status, decay, terms, eps, (float) lr, examples, lineage,
                System.currentTimeMillis(), mask, correction, headDelta);
        backend.applyUpdate(params, record);
        version = step;
        return record;
    }

    /**
     * ElasticZO's exact head step: the shards' head-gradient sums added in shard order, divided by the number of
     * (pass, example) terms, times -lr_head: delta = float(-lr_head * sum / passes), element by element.
     */
    private HeadDelta headDelta(List<ShardEvaluation> shards, double headLr) {
        HeadGradient total = null;
        for (ShardEvaluation s : shards) {
            if (s.head() == null) {
                throw new IllegalStateException("exact head configured but a shard brought no head gradient");
            }
            if (total == null) {
                total = new HeadGradient(s.head().weight().length, s.head().bias().length);
            }
            total.add(s.head());
        }
        return new HeadDelta(backend.spec().headTensors(),
                new float[][] {scaled(total.weight(), -headLr / total.passes()),
                        scaled(total.bias(), -headLr / total.passes())});
    }

    private static float[] scaled(double[] sums, double factor) {
        float[] out = new float[sums.length];
        for (int i = 0; i < sums.length; i++) {
            out[i] = (float) (sums[i] * factor);
        }
        return out;
    }

    /**
     * A shard given to {@link #complete} holds probes 0.. and either all q of them or stops at a non-finite one: a
     * probe group alone would otherwise read as a stopped evaluation.
     */
    private static void requireAllProbes(ShardEvaluation s, int q) {
        if (s.firstProbe() != 0 || (s.probes().size() < q && !s.stoppedNonFinite()) || s.probes().size() > q) {
            throw new IllegalArgumentException("a shard holds probes [" + s.firstProbe() + ", " + s.probeEnd()
                    + ") of the step's " + q + "; completing needs each shard's probes from 0 to " + q + " or to a "
                    + "non-finite one: join a piece's probe groups with ShardEvaluation.joinProbes "
                    + "(StepLayout.piecesInOrder) first");
        }
    }

    /** Probe k's sums over all shards in shard order; null when a shard stopped before probe k. */
    private static LossSums combined(List<ShardEvaluation> shards, int k) {
        LossSums total = null;
        for (ShardEvaluation s : shards) {
            if (k >= s.probes().size()) {
                return null;
            }
            LossSums p = s.probes().get(k);
            total = total == null ? p : total.combinedWith(p);
        }
        return total;
    }

    private void checkCurrent(StepPlan plan) {
        if (plan.step() != version + 1) {
            throw new IllegalStateException("plan is for step " + plan.step() + " but the trainer is at version "
                    + version + " (expects step " + (version + 1) + ")");
        }
    }

    /** ZO-SGD-MMT unrolled: this step's term and the previous ones, weighted lr_t * beta^(t-u) * g_u. */
    private List<PerturbationTerm> momentumTerms(PerturbationTerm current, double lr) {
        momentum.addFirst(current);
        while (momentum.size() > options.momentumTerms()) {
            momentum.removeLast();
        }
        List<PerturbationTerm> terms = new ArrayList<>(momentum.size());
        double w = 1;
        for (Iterator<PerturbationTerm> it = momentum.iterator(); it.hasNext(); w *= options.momentum()) {
            PerturbationTerm t = it.next();
            terms.add(new PerturbationTerm(t.seed(), (float) (lr * w * t.projectedGradient()), t.projectedGradient(),
                    t.lossPlus(), t.lossMinus()));
        }
        return terms;
    }

    /**
     * ZO-SGD-Cons: with a = c (the SGD step), evaluates L(theta - a z) and L(theta + a z) in one paired pass and
     * L(theta); keeps the best (ties keep theta).
     */
    private List<PerturbationTerm> conservative(PerturbationTerm sgd, Batch batch, UpdateMask mask) {
        float a = sgd.coefficient();
        if (a == 0f) {
            return List.of();
        }
        double here = backend.lossSum(params, batch) / batch.size();
        LossSums moved = backend.perturbedLossSums(params, batch, sgd.seed(), a, mask); // plus = theta + a z
        double down = moved.meanMinus(); // theta - a z: the SGD step
        double up = moved.meanPlus();
        if (down < here && down <= up) {
            return List.of(sgd);
        }
        if (up < here) {
            return List.of(new PerturbationTerm(sgd.seed(), -a, sgd.projectedGradient(), sgd.lossPlus(),
                    sgd.lossMinus()));
        }
        return List.of();
    }

    /** The records from now on name {@code snapshotId} as their base; the training state is kept. */
    public void rebase(String snapshotId) {
        this.baseSnapshotId = snapshotId;
    }

    public long version() {
        return version;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    /** Directions removed from each estimate in the current subspace window (0 when off). */
    public int subspaceRemovedDirections() {
        return denoiser == null ? 0 : denoiser.removedDirections();
    }

    public ParameterSet parameters() {
        return params;
    }

    public ZoOptions options() {
        return options;
    }
}
