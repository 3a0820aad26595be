package io.seedflow.core.zo;

import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceBasis;
import io.seedflow.core.subspace.SubspaceBasisCache;
import io.seedflow.core.subspace.SubspaceCorrection;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's side of subspace-denoised gradients. Steps are grouped in windows of τ: window w holds steps
 * (w τ, (w + 1) τ]. When a window is complete its (seed, coefficient) pairs give a {@link SubspaceBasis}; during
 * the next window each step's estimate c z has its components along the removed (lowest-variance) directions
 * taken out: b_j = c (m ⊙ z) · e_j, carried in the record, and the replica adds sum_j b_j e_j.
 */
final class SubspaceDenoiser {
    private final SubspaceOptions options;
    private final List<TensorSpec> specs;
    private final List<Integer> group = new ArrayList<>();
    private final long[] offsets;
    private final List<Long> seeds = new ArrayList<>();
    private final List<Float> coefficients = new ArrayList<>();
    private long windowStart = -1; // first step of the window being filled
    private SubspaceCorrection.Window previous;
    private long previousEnd = -1; // last step of the previous window
    private SubspaceBasis basis;
    private int removed;
    private long refreshes;

    SubspaceDenoiser(SubspaceOptions options, List<TensorSpec> specs) {
        this.options = options;
        this.specs = specs;
        for (int t = 0; t < specs.size(); t++) {
            if (options.tensors().contains(specs.get(t).name())) {
                group.add(t);
            }
        }
        this.offsets = SubspaceBasis.groupOffsets(specs, group);
    }

    /** The correction of step {@code step} for its term (seed, c), or null when it has none. */
    SubspaceCorrection correct(long step, long seed, float c, UpdateMask mask, ParameterSet params) {
        if (basis == null || removed == 0 || previousEnd != windowOf(step) * options.window() || c == 0f) {
            return null;
        }
        int d = (int) offsets[group.size()];
        float[] mz = new float[d];
        for (int g = 0; g < group.size(); g++) {
            int t = group.get(g);
            int off = (int) offsets[g];
            int n = (int) (offsets[g + 1] - offsets[g]);
            TensorMask m = UpdateMask.of(mask, t);
            if (m == null) {
                continue; // frozen: m ⊙ z = 0 (mz starts zeroed)
            }
            float[] z = new float[n];
            PerturbationGenerator.fill(seed, t, 0, z, 0, n);
            m.zeroFrozen(params.tensor(t), 0, 0, z, n, new boolean[n]);
            System.arraycopy(z, 0, mz, off, n);
        }
        List<Float> b = new ArrayList<>(removed);
        for (int j = basis.size() - removed; j < basis.size(); j++) {
            float[] e = basis.direction(j);
            double dot = 0;
            for (int i = 0; i < d; i++) {
                dot += (double) mz[i] * e[i];
            }
            b.add((float) (c * dot));
        }
        return new SubspaceCorrection(group, previous.seeds(), previous.coefficients(), b);
    }

    /** Adds step {@code step}'s applied term (seed 0, c 0 for a step that moved nothing) to the window history. */
    void observe(long step, long seed, float c) {
        long w = windowOf(step);
        if (windowStart != w * options.window() + 1) {
            if (step != w * options.window() + 1) {
                return; // joined mid-window (resume without the window's first steps): skip until the next one
            }
            seeds.clear();
            coefficients.clear();
            windowStart = step;
        }
        if (windowStart + seeds.size() != step) {
            return;
        }
        seeds.add(seed);
        coefficients.add(c);
        if (seeds.size() == options.window()) {
            previous = new SubspaceCorrection.Window(group, seeds, coefficients);
            previousEnd = step;
            basis = SubspaceBasisCache.shared().get(specs, previous);
            removed = basis.removedCount(options.varianceThreshold());
            refreshes++;
            windowStart = -1;
        }
    }

    /** Rebuilds the window history from past records (the last 2 τ steps suffice). */
    void resume(List<UpdateRecord> history) {
        for (UpdateRecord r : history) {
            boolean moved = !r.perturbations().isEmpty();
            observe(r.step(), moved ? r.perturbations().get(0).seed() : 0L,
                    moved ? r.perturbations().get(0).coefficient() : 0f);
        }
    }

    private long windowOf(long step) {
        return (step - 1) / options.window();
    }

    /** Directions removed from the current window's estimates. */
    int removedDirections() {
        return removed;
    }

    long refreshes() {
        return refreshes;
    }
}
