package io.seedflow.core.zo;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.error.NonFiniteLossException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.LossPair;
import io.seedflow.core.rng.SeedDerivation;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayList;
import java.util.List;

/**
 * MeZO ZO-SGD (Malladi et al., NeurIPS 2023) with SeedFlow's exact update rule. One step on a mini-batch: for each
 * of q perturbations with seed s_k, L+ and L- on the same batch (theta untouched), g_k = (L+ - L-) / (2 eps)
 * clipped to [-C, C], c_k = float(lr_t * g_k / q) (or float(lr_t * sign(g_k) / q) for {@link ZoVariant#SIGN});
 * the resulting record is applied through the backend exactly
 * as a replica applies it, so trainer and replicas hold the same bits. Memory: the weights plus the backend's
 * inference buffers; no perturbed copy.
 */
public final class ZoSgdTrainer {
    private final ComputeBackend backend;
    private final ParameterSet params;
    private final ZoOptions options;
    private final String modelId;
    private final String baseSnapshotId;
    private long version;
    private long skippedSteps;

    /** @param version the step {@code params} are at (0 for a fresh base snapshot) */
    public ZoSgdTrainer(ComputeBackend backend, ParameterSet params, ZoOptions options, String modelId,
            String baseSnapshotId, long version) {
        this.backend = backend;
        this.params = params;
        this.options = options;
        this.modelId = modelId;
        this.baseSnapshotId = baseSnapshotId;
        this.version = version;
    }

    /** Runs one step on {@code batch}, applies it, and returns its record (step = previous version + 1). */
    public UpdateRecord step(Batch batch, List<Lineage> lineage) {
        long step = version + 1;
        int q = options.perturbations();
        double lr = options.learningRateAt(step);
        float eps = options.epsilon();
        List<PerturbationTerm> terms = new ArrayList<>(q);
        boolean finite = true;
        for (int k = 0; k < q && finite; k++) {
            long seed = SeedDerivation.perturbationSeed(options.runSeed(), step, k);
            LossPair losses = backend.perturbedLosses(params, batch, seed, eps);
            if (!losses.finite()) {
                if (options.nonFinitePolicy() == NonFinitePolicy.FAIL) {
                    throw new NonFiniteLossException(step, losses.plus(), losses.minus());
                }
                finite = false;
                break;
            }
            double g = (losses.plus() - losses.minus()) / (2.0 * eps);
            double clip = options.gradientClip();
            if (clip > 0) {
                g = Math.max(-clip, Math.min(clip, g));
            }
            float c = (float) (lr * options.variant().direction(g) / q);
            terms.add(new PerturbationTerm(seed, c, (float) g, (float) losses.plus(), (float) losses.minus()));
        }
        UpdateStatus status = finite ? UpdateStatus.APPLIED : UpdateStatus.SKIPPED_NON_FINITE;
        if (!finite) {
            terms.clear();
            skippedSteps++;
        }
        float decay = options.weightDecay() > 0 ? (float) (1.0 - lr * options.weightDecay()) : 1f;
        UpdateRecord record = new UpdateRecord(UpdateRecord.FORMAT_VERSION, modelId, baseSnapshotId, step, status,
                decay, terms, eps, (float) lr, batch.size(), lineage, System.currentTimeMillis());
        backend.applyUpdate(params, record);
        version = step;
        return record;
    }

    public long version() {
        return version;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    public ParameterSet parameters() {
        return params;
    }

    public ZoOptions options() {
        return options;
    }
}
