package io.seedflow.core.zo;

import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.rng.SeedDerivation;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's side of sparse masks: decides each step's {@link UpdateMask} from {@link SparsityOptions}.
 * Magnitude thresholds are the per-tensor (1 - sparsity) quantile of |theta|, taken at step 1 and then at every
 * step {@code 1 + k * refreshSteps}; a resumed trainer takes them from its last record, so a restore continues with
 * exactly the thresholds it would have used. Random masks draw their seed from the run seed and
 * {@code (step - 1) / refreshSteps}. Only matrices (rank >= 2) are masked: a bias starts at 0, where a magnitude
 * threshold would freeze it for good once it moved.
 */
final class MaskPlanner {
    /** Stream id of mask seeds in {@link SeedDerivation#value}. */
    static final int MASK_STREAM = 0x3A5C;

    private final SparsityOptions options;
    private final long runSeed;
    private final boolean[] trained;
    private final float[] thresholds;
    private boolean haveThresholds;
    private final boolean headFrozen;

    MaskPlanner(SparsityOptions options, ModelSpec model, long runSeed, boolean exactHead) {
        List<TensorSpec> specs = model.tensorSpecs();
        this.options = options;
        this.runSeed = runSeed;
        this.trained = new boolean[specs.size()];
        this.thresholds = new float[specs.size()];
        List<String> trainedNames = options.trainedTensorNames(model, exactHead);
        for (int t = 0; t < specs.size(); t++) {
            trained[t] = trainedNames.contains(specs.get(t).name());
        }
        this.headFrozen = exactHead;
        if (exactHead) {
            for (int h : model.headTensors()) {
                trained[h] = false; // the head (weight, bias) moves by its exact gradient, not by ZO
            }
        }
    }

    /** The lowest tensor a step trains (what its mask's first entry names; 0 when every tensor is trained). */
    int firstTrainedTensor() {
        for (int t = 0; t < trained.length; t++) {
            if (trained[t]) {
                return t;
            }
        }
        return trained.length;
    }

    /** The mask of 1-based {@code step}, null when every element is trained. */
    UpdateMask maskFor(long step, ParameterSet params) {
        if (options.dense() && !headFrozen) {
            return null;
        }
        if (options.mask() == SparsityOptions.MaskKind.MAGNITUDE && (!haveThresholds || refreshAt(step))) {
            computeThresholds(params);
        }
        long maskSeed = options.mask() == SparsityOptions.MaskKind.RANDOM
                ? SeedDerivation.value(runSeed, MASK_STREAM, options.refreshSteps() == 0 ? 0 : (step - 1) / options.refreshSteps())
                : 0L;
        float keep = (float) (1 - options.sparsity());
        List<TensorMask> masks = new ArrayList<>();
        for (int t = 0; t < trained.length; t++) {
            if (!trained[t]) {
                continue;
            }
            boolean matrix = params.spec(t).rank() >= 2;
            masks.add(switch (options.mask()) {
                case NONE -> TensorMask.dense(t);
                case MAGNITUDE -> matrix ? TensorMask.magnitude(t, thresholds[t]) : TensorMask.dense(t);
                case RANDOM -> matrix ? TensorMask.random(t, maskSeed, keep) : TensorMask.dense(t);
            });
        }
        return new UpdateMask(masks);
    }

    private boolean refreshAt(long step) {
        return options.refreshSteps() > 0 ? (step - 1) % options.refreshSteps() == 0 : step == 1;
    }

    /** Continues after {@code last}: its thresholds are the current ones (used until the next refresh step). */
    void resume(UpdateRecord last) {
        if (options.mask() != SparsityOptions.MaskKind.MAGNITUDE || last.mask() == null) {
            return;
        }
        for (TensorMask m : last.mask().tensors()) {
            thresholds[m.tensor()] = m.maxMagnitude();
        }
        haveThresholds = true;
    }

    private void computeThresholds(ParameterSet params) {
        for (int t = 0; t < trained.length; t++) {
            if (trained[t] && params.spec(t).rank() >= 2) {
                thresholds[t] = quantileOfMagnitude(params.tensor(t), 1 - options.sparsity());
            }
        }
        haveThresholds = true;
    }

    /**
     * The k-th smallest |x| with k = max(1, round(fraction * n)): at least k elements are <= it. Found without a copy
     * of x (sorting a copy held a second {@code embeddings.word} of MiniLM, half the weights again, at every refresh):
     * |x| of a float is its bits with the sign cleared, and for those 31-bit keys integer order is the order of the
     * values (NaN aside, which no trained tensor holds), so a radix select (high 15 bits, then the low 16 bits among
     * the elements with the chosen high bits) gives exactly the value that sorting |x| would.
     */
    static float quantileOfMagnitude(float[] x, double fraction) {
        int k = (int) Math.max(1, Math.min(x.length, Math.round(fraction * x.length)));
        int[] high = new int[1 << 15];
        for (float v : x) {
            high[magnitudeBits(v) >>> 16]++;
        }
        int rank = k; // 1-based rank among the elements still in the running
        int h = 0;
        while (rank > high[h]) {
            rank -= high[h++];
        }
        int[] low = new int[1 << 16];
        for (float v : x) {
            int b = magnitudeBits(v);
            if (b >>> 16 == h) {
                low[b & 0xFFFF]++;
            }
        }
        int l = 0;
        while (rank > low[l]) {
            rank -= low[l++];
        }
        return Float.intBitsToFloat(h << 16 | l);
    }

    private static int magnitudeBits(float v) {
        return Float.floatToRawIntBits(v) & 0x7FFF_FFFF;
    }
}
