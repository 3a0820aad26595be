package io.seedflow.core.model;

import io.seedflow.core.objective.Objective;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;

/**
 * One thread's compute instance of a {@link ModelSpec}: fresh weights, plain and paired perturbed passes, and
 * predictions. Holds reusable buffers, so it is not thread-safe (a model may use threads inside one call). Losses are
 * returned as sums over the batch's examples, so shards of one step evaluated apart combine exactly.
 */
public interface Model {
    ModelSpec spec();

    /** The objective that turns this model's outputs and a batch's targets into losses and predictions. */
    Objective objective();

    /** Fresh weights for the start of training: random from {@code seed}, or pretrained where the family has them. */
    ParameterSet initialize(long seed);

    /**
     * Sum over the batch of the loss at theta + eps z and at theta - eps z, z the direction of {@code seed} restricted
     * to the elements {@code mask} trains (null = all; the mask evaluated from the unperturbed theta inside the pass,
     * spec §6.2); theta is never modified. With {@code head} (null = none), also adds to it the exact gradient of every
     * example's loss with respect to the head ({@link ModelSpec#headTensors()}) at both passes (the head itself must be frozen
     * by the mask, so both passes share it).
     */
    LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask,
            HeadGradient head);

    /** {@link #perturbedLossSums(ParameterSet, Batch, long, float, UpdateMask, HeadGradient)} without a head. */
    default LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask) {
        return perturbedLossSums(params, batch, seed, epsilon, mask, null);
    }

    /** Sum over the batch of the loss of the unperturbed weights. */
    default double lossSum(ParameterSet params, Batch batch) {
        return objective().lossSum(logits(params, batch), spec().classes(), batch.targets(), batch.size());
    }

    /**
     * {@link #lossSum(ParameterSet, Batch)} of one plain pass that also adds to {@code head} (null = none) every
     * example's exact gradient with respect to the head ({@link ModelSpec#headTensors()}), as
     * {@link #perturbedLossSums} does at each of its passes: what a decorator that perturbs its own tensors
     * (LoRA) runs its inner model with. A family without head features refuses a head.
     */
    default double lossSum(ParameterSet params, Batch batch, HeadGradient head) {
        if (head != null) {
            throw new UnsupportedOperationException("model family '" + spec().family() + "' gives no exact head "
                    + "gradient of a plain pass; train its head by ZO (no seedflow.zo.head-learning-rate)");
        }
        return lossSum(params, batch);
    }

    /**
     * Logits of the batch, class-major: {@code logits[c * batch.size() + n]}. May return an internal buffer, valid
     * until the next call.
     */
    float[] logits(ParameterSet params, Batch batch);

    /** Accuracy, mean loss and confusion counts over the first {@code count} examples of {@code data}, in chunks of {@code chunk}. */
    default Evaluation evaluate(ParameterSet params, io.seedflow.core.data.LabeledDataset data, int count, int chunk) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        double lossSum = 0;
        int classes = spec().classes();
        long[] confusion = new long[classes * classes];
        for (int start = 0; start < count; start += chunk) {
            int n = Math.min(chunk, count - start);
            Batch b = data.batch(order, start, n);
            float[] logits = logits(params, b);
            lossSum += objective().lossSum(logits, classes, b.targets(), n);
            for (int i = 0; i < n; i++) {
                confusion[b.labels()[i] * classes + objective().predict(logits, classes, n, i)]++;
            }
        }
        return new Evaluation(lossSum / count, classes, confusion);
    }

    /** The most probable class of every example of {@code batch} (the largest logit, the first on ties). */
    default int[] predict(ParameterSet params, Batch batch) {
        int count = batch.size();
        float[] logits = logits(params, batch);
        int[] classes = new int[count];
        for (int n = 0; n < count; n++) {
            classes[n] = objective().predict(logits, spec().classes(), count, n);
        }
        return classes;
    }

    /**
     * {@link #predict}, right before a step on the same weights and batch that trains no tensor below
     * {@code firstTrainedTensor} (test-then-train): a model may keep what that step's {@link #perturbedLossSums} can
     * reuse (the encoder: the output of its frozen lowest blocks), handed over by identity of the weights and the
     * batch to the next call only. The predictions are those of {@link #predict}, bit for bit.
     */
    default int[] predictBeforeStep(ParameterSet params, Batch batch, int firstTrainedTensor) {
        return predict(params, batch);
    }

    /**
     * The objective's class probabilities of every example of {@code batch} (labels ignored), one row of {@link ModelSpec#classes()}
     * values per example. An example's row does not depend on the other examples of the batch.
     */
    default float[][] probabilities(ParameterSet params, Batch batch) {
        int count = batch.size();
        float[] logits = logits(params, batch);
        int c = spec().classes();
        float[][] p = new float[count][c];
        double[] row = new double[c];
        for (int n = 0; n < count; n++) {
            objective().probabilities(logits, c, count, n, row);
            for (int k = 0; k < c; k++) {
                p[n][k] = (float) row[k];
            }
        }
        return p;
    }
}
