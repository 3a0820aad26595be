package io.seedflow.core.objective;

/**
 * Turns a model's outputs and a batch's {@link Targets} into what training and evaluation need: loss sums (sums, not
 * means, so that shards evaluated apart combine exactly), the gradient of each example's loss with respect to its
 * outputs (the exact head's signal), and predictions. The loss is a parameter of training, not a property of the
 * model (as flink-ml's {@code LossFunc} and Tribuo's {@code SGDObjective}): a model computes outputs, an objective
 * scores them.
 *
 * <p>Outputs are output-major, {@code outputs[k * n + e]} for output k of example e of a batch of n, {@code width}
 * outputs per example. Every method computes in a fixed order, so the same inputs give the same bits on every
 * machine (the records a trainer writes depend on it).
 *
 * <p>Adding an objective: a class implementing this interface (and, if it needs a new kind of target, a record in
 * {@link Targets}'s permits list); see docs/adding-an-objective.md.
 */
public interface Objective {
    /** Name for settings, logs and errors, e.g. {@code softmax-cross-entropy}. */
    String name();

    /** Whether this objective can score {@code targets} (their kind; sizes are checked by each call). */
    boolean accepts(Targets targets);

    /** Sum over the n examples of the loss at {@code outputs}, added in example order. */
    double lossSum(float[] outputs, int width, Targets targets, int n);

    /**
     * Writes d loss_e / d outputs_e of example e into {@code d[0..width)}: the signal whose outer product with the
     * head's input features is the exact head's gradient.
     */
    void outputGradient(float[] outputs, int width, Targets targets, int n, int e, double[] d);

    /**
     * The mean loss over the n examples, and d(mean loss)/d outputs into {@code gradient} (output-major, as
     * {@code outputs}): for first-order baselines that back-propagate through the whole model.
     */
    double meanLossAndGradient(float[] outputs, int width, Targets targets, int n, float[] gradient);

    /** The class predicted for example e (the first of equal best on ties). */
    int predict(float[] outputs, int width, int n, int e);

    /** The probability of each class for example e into {@code out[0..width)}; depends on that example only. */
    void probabilities(float[] outputs, int width, int n, int e, double[] out);
}
