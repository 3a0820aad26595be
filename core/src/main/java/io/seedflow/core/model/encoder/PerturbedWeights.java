package io.seedflow.core.model.encoder;

import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One perturbed copy theta + s z of one part of the encoder at a time, for one pass of a paired step (s = +eps for the
 * plus pass, -eps for the minus pass): one block's 16 tensors, the embedding rows a batch uses, the head. Element e of
 * tensor t becomes {@code fma(s, z, w)} with z = {@link PerturbationGenerator} (seed, t, e), set to 0 where the
 * tensor's mask does not train the element ({@link TensorMask#zeroFrozen}, evaluated on the unperturbed w). A frozen
 * tensor (no mask entry) is not copied: the pass reads theta itself. Theta is never written. Memory: one copy of one
 * block, reused across steps (one instance serves one model instance); z is generated once per pass, so twice per
 * step, which costs less than holding a second block copy (see {@link EncoderModel#perturbedLossSums}).
 */
final class PerturbedWeights {
    /** Elements per generation task; tasks of a block run in parallel. */
    private static final int CHUNK = 1 << 15;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The block's tensors as the pass reads them: the own copies, or theta itself for a frozen tensor. */
    final float[][] weights;
    private final float[][] own;

    /** Room for {@code sizes.length} tensors of the given sizes (a block's, the head's). */
    PerturbedWeights(int[] sizes) {
        weights = new float[sizes.length][];
        own = new float[sizes.length][];
        for (int j = 0; j < sizes.length; j++) {
            own[j] = new float[sizes[j]];
        }
    }

    /** Fills the copies of tensors first .. first + count - 1 of {@code params} (whole tensors) with theta + s z. */
    void perturb(ParameterSet params, int first, long seed, float s, UpdateMask mask) {
        List<int[]> tasks = new ArrayList<>();
        for (int j = 0; j < weights.length; j++) {
            TensorMask m = UpdateMask.of(mask, first + j);
            float[] w = params.tensor(first + j);
            if (m == null) {
                weights[j] = w;
                continue;
            }
            weights[j] = own[j];
            for (int from = 0; from < w.length; from += CHUNK) {
                tasks.add(new int[] {j, from, Math.min(CHUNK, w.length - from)});
            }
        }
        EncoderModel.forEach(tasks.size(), i -> {
            int[] task = tasks.get(i);
            int j = task[0];
            range(params.tensor(first + j), first + j, UpdateMask.of(mask, first + j), task[1], task[2], seed, s,
                    weights[j], task[1]);
        });
    }

    /**
     * Elements [from, from + len) of tensor {@code t} (values {@code w}) perturbed by {@code s} (+eps or -eps) into
     * {@code out[outOff..]}; {@code mask} null means frozen (a plain copy).
     */
    static void range(float[] w, int t, TensorMask mask, int from, int len, long seed, float s, float[] out,
            int outOff) {
        if (mask == null) {
            System.arraycopy(w, from, out, outOff, len);
            return;
        }
        Scratch sc = SCRATCH.get();
        sc.ensure(len);
        PerturbationGenerator.fill(seed, t, from, sc.z, 0, len);
        mask.zeroFrozen(w, from, from, sc.z, len, sc.keep);
        for (int i = 0; i < len; i++) {
            out[outOff + i] = Math.fma(s, sc.z[i], w[from + i]);
        }
    }

    private static final class Scratch {
        float[] z = new float[0];
        boolean[] keep = new boolean[0];

        void ensure(int len) {
            if (z.length < len) {
                z = new float[len];
                keep = new boolean[len];
            }
        }
    }

    /** Sizes of tensors first .. first + count - 1. */
    static int[] sizes(ParameterSet layout, int first, int count) {
        int[] s = new int[count];
        Arrays.setAll(s, j -> layout.tensor(first + j).length);
        return s;
    }
}
