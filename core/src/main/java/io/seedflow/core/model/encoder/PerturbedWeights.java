package io.seedflow.core.model.encoder;

import io.seedflow.core.model.PerturbedCopy;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The perturbed copy theta + s z of one part of the encoder at a time, for one pass of a paired step (s = +eps for the
 * plus pass, -eps for the minus pass), in one shared buffer: for the blocks' instance, a half of one block (attention,
 * then feed-forward) and, before the first block, the embedding rows a batch uses; the head has its own small
 * instance. Element e of tensor t becomes {@code fma(s, z, w)} with
 * z = {@link PerturbationGenerator} (seed, t, e), set to 0 where the tensor's mask does not train the element
 * ({@link PerturbedCopy}, evaluated on the unperturbed w). A frozen tensor (no mask entry) is not copied: the
 * pass reads theta itself. Theta is never written.
 *
 * <p>Tensor j of the part is read as {@code weights[j]} from {@code offsets[j]} (the buffer, or theta at 0). Memory:
 * one buffer the size of the largest part (for MiniLM the feed-forward half, 4.5 MiB, against 6.8 MiB for a whole
 * block), reused across parts, layers, passes and steps (one instance serves one model instance); z is generated once
 * per pass, so twice per step, which costs less than holding a second copy (see
 * {@link EncoderModel#perturbedLossSums}).
 * Where a value lies in the buffer changes nothing in it or in the chains that read it, so the bits are those of
 * one copy per tensor.
 */
final class PerturbedWeights {
    /** Elements per generation task; the tasks of a part run in parallel. */
    private static final int CHUNK = PerturbedCopy.CHUNK;

    /** The part's tensors as the pass reads them: the buffer, or theta itself for a frozen tensor. */
    final float[][] weights;
    /** Where tensor j starts in {@code weights[j]}. */
    final int[] offsets;
    private float[] buffer;

    /**
     * Room for tensors of the given sizes (a block's, the head's), read as parts [cuts[i], cuts[i + 1]): the buffer
     * holds the largest part.
     */
    PerturbedWeights(int[] sizes, int... cuts) {
        weights = new float[sizes.length][];
        offsets = new int[sizes.length];
        int largest = 0;
        for (int i = 0; i + 1 < cuts.length; i++) {
            int part = 0;
            for (int j = cuts[i]; j < cuts[i + 1]; j++) {
                part += sizes[j];
            }
            largest = Math.max(largest, part);
        }
        buffer = new float[largest];
    }

    /** The shared buffer, at least {@code floats} long (for the embedding rows, which are copied between parts). */
    float[] buffer(int floats) {
        if (buffer.length < floats) {
            buffer = new float[floats];
        }
        return buffer;
    }

    /**
     * Fills the buffer with theta + s z of tensors {@code base + from .. base + to - 1} of {@code params} (whole
     * tensors), one after the other, and points {@code weights[from .. to)} at them. Entries outside [from, to) are
     * left as they are and must not be read: the buffer now holds this part.
     */
    void perturb(ParameterSet params, int base, int from, int to, long seed, float s, UpdateMask mask) {
        List<int[]> tasks = new ArrayList<>();
        int off = 0;
        for (int j = from; j < to; j++) {
            TensorMask m = UpdateMask.of(mask, base + j);
            float[] w = params.tensor(base + j);
            if (m == null) {
                weights[j] = w;
                offsets[j] = 0;
                continue;
            }
            weights[j] = buffer;
            offsets[j] = off;
            off += w.length;
            for (int e = 0; e < w.length; e += CHUNK) {
                tasks.add(new int[] {j, e, Math.min(CHUNK, w.length - e)});
            }
        }
        float[] out = buffer(off);
        EncoderModel.forEach(tasks.size(), i -> {
            int[] task = tasks.get(i);
            int j = task[0];
            PerturbedCopy.range(params.tensor(base + j), base + j, UpdateMask.of(mask, base + j), task[1], task[2], seed, s, out,
                    offsets[j] + task[1]);
        });
    }

    /** Sizes of tensors first .. first + count - 1. */
    static int[] sizes(ParameterSet layout, int first, int count) {
        int[] s = new int[count];
        for (int j = 0; j < count; j++) {
            s[j] = layout.tensor(first + j).length;
        }
        return s;
    }
}
