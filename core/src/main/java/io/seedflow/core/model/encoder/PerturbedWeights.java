package io.seedflow.core.model.encoder;

import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The two perturbed copies theta + eps z and theta - eps z of one part of the encoder at a time, for a paired pass:
 * one block's 16 tensors, the embedding rows a batch uses, the head. Element e of tensor t becomes
 * {@code fma(+-eps, z, w)} with z = {@link PerturbationGenerator} (seed, t, e), set to 0 where the tensor's mask does
 * not train the element ({@link TensorMask#zeroFrozen}, evaluated on the unperturbed w). A frozen tensor (no mask
 * entry) is not copied: both passes read theta itself. Theta is never written. Memory: two copies of one block plus
 * the rows in use, reused across steps (one instance serves one model instance).
 */
final class PerturbedWeights {
    /** Elements per generation task; tasks of a block run in parallel. */
    private static final int CHUNK = 1 << 15;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    final float[][] plus;
    final float[][] minus;
    private final float[][] plusOwn;
    private final float[][] minusOwn;

    /** Room for {@code sizes.length} tensors of the given sizes (a block's, the head's). */
    PerturbedWeights(int[] sizes) {
        plus = new float[sizes.length][];
        minus = new float[sizes.length][];
        plusOwn = new float[sizes.length][];
        minusOwn = new float[sizes.length][];
        for (int j = 0; j < sizes.length; j++) {
            plusOwn[j] = new float[sizes[j]];
            minusOwn[j] = new float[sizes[j]];
        }
    }

    /** Fills the copies of tensors first .. first + count - 1 of {@code params} (whole tensors). */
    void perturb(ParameterSet params, int first, long seed, float eps, UpdateMask mask) {
        List<int[]> tasks = new ArrayList<>();
        for (int j = 0; j < plus.length; j++) {
            TensorMask m = UpdateMask.of(mask, first + j);
            float[] w = params.tensor(first + j);
            if (m == null) {
                plus[j] = w;
                minus[j] = w;
                continue;
            }
            plus[j] = plusOwn[j];
            minus[j] = minusOwn[j];
            for (int from = 0; from < w.length; from += CHUNK) {
                tasks.add(new int[] {j, from, Math.min(CHUNK, w.length - from)});
            }
        }
        EncoderModel.forEach(tasks.size(), i -> {
            int[] task = tasks.get(i);
            int j = task[0];
            range(params.tensor(first + j), first + j, UpdateMask.of(mask, first + j), task[1], task[2], seed, eps,
                    plus[j], task[1], minus[j], task[1]);
        });
    }

    /**
     * Elements [from, from + len) of tensor {@code t} (values {@code w}) perturbed into {@code p[pOff..]} and
     * {@code m[mOff..]}; {@code mask} null means frozen (plain copies).
     */
    static void range(float[] w, int t, TensorMask mask, int from, int len, long seed, float eps, float[] p, int pOff,
            float[] m, int mOff) {
        if (mask == null) {
            System.arraycopy(w, from, p, pOff, len);
            System.arraycopy(w, from, m, mOff, len);
            return;
        }
        Scratch s = SCRATCH.get();
        s.ensure(len);
        PerturbationGenerator.fill(seed, t, from, s.z, 0, len);
        mask.zeroFrozen(w, from, from, s.z, len, s.keep);
        for (int i = 0; i < len; i++) {
            float z = s.z[i];
            float v = w[from + i];
            p[pOff + i] = Math.fma(eps, z, v);
            m[mOff + i] = Math.fma(-eps, z, v);
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
