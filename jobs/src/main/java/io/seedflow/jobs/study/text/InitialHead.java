package io.seedflow.jobs.study.text;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.InvalidTextException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.text.TextTokenizer;
import java.util.List;

/**
 * The head a study run starts from, {@code [in, out]} weight and bias: the encoder's own (random, from the run's seed)
 * or, given one description per class, <b>prototypes</b>: column c is {@link #SCALE} times the unit-length embedding
 * of class c's description under the frozen pretrained body, bias 0. On a {@link EncoderSpec#cosine() cosine} encoder
 * (unit-length head input) the logits are then {@code SCALE} x cos(text, description): the similarity
 * all-MiniLM-L6-v2 was trained to put at 20 for texts that belong together, so the zero-shot score is the pretrained
 * body's own.
 */
record InitialHead(float[] weight, float[] bias) {
    /** all-MiniLM-L6-v2's contrastive scale (its training multiplies cosine similarities by 20). */
    static final float SCALE = 20f;

    /** The encoder's head from {@code seed}. */
    static InitialHead ofSeed(EncoderSpec spec, long seed) {
        ParameterSet init = new EncoderModel(spec).initialize(seed);
        return new InitialHead(init.tensor(spec.headTensor()).clone(), init.tensor(spec.headTensor() + 1).clone());
    }

    /**
     * Prototypes from one description per class, in class order.
     *
     * @throws InvalidConfigurationException naming {@code --class-descriptions} when the spec is not a cosine encoder,
     *     the count is not the class count, or a description yields no token
     */
    static InitialHead prototypes(EncoderSpec spec, List<String> descriptions) {
        if (!spec.cosine()) {
            throw new InvalidConfigurationException("--class-descriptions", descriptions, "prototypes need a unit-length"
                    + " head input: a model spec ending in :" + EncoderSpec.COSINE + ", not " + spec.toText());
        }
        if (descriptions.size() != spec.classes()) {
            throw new InvalidConfigurationException("--class-descriptions", descriptions, "one description per class, "
                    + spec.classes() + " in class order (e.g. ham first, then spam)");
        }
        Batch batch;
        try (TextTokenizer tokenizer = TextTokenizer.forEncoder(spec)) {
            batch = tokenizer.batch(descriptions, spec.maxTokens(), i -> "description " + i);
        } catch (InvalidTextException e) {
            throw new InvalidConfigurationException("--class-descriptions", descriptions, e.getMessage());
        }
        EncoderModel model = new EncoderModel(spec);
        float[] embedded = model.embeddings(model.initialize(0), batch); // unit-length rows: the spec is cosine
        int h = spec.hidden();
        int c = spec.classes();
        float[] weight = new float[h * c];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < h; i++) {
                weight[i * c + k] = SCALE * embedded[k * h + i];
            }
        }
        return new InitialHead(weight, new float[c]);
    }

    /** Writes this head into {@code params}' head tensors {@code head} (weight, bias). */
    void copyInto(ParameterSet params, int[] head) {
        System.arraycopy(weight, 0, params.tensor(head[0]), 0, weight.length);
        System.arraycopy(bias, 0, params.tensor(head[1]), 0, bias.length);
    }
}
