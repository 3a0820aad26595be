package io.seedflow.core.model.encoder;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ServiceLoader;

/**
 * The compute instance of an {@link EncoderSpec}: fresh weights (the pretrained body and a head from the seed), the
 * forward to mean-pooled sentence embeddings and logits, and the paired perturbed forward of a ZO step.
 */
public final class EncoderModel implements Model {
    /** Standard deviation of randomly initialised matrices and of the head (BERT's initializer range). */
    static final float INIT_STD = 0.02f;

    private final EncoderSpec spec;

    public EncoderModel(EncoderSpec spec) {
        this.spec = spec;
    }

    @Override
    public EncoderSpec spec() {
        return spec;
    }

    /**
     * The pretrained body (or, for a {@code bert-...} spec, matrices and embeddings N(0, 0.02^2) from z under
     * {@code seed}, LayerNorm weights 1, biases 0) and a head N(0, 0.02^2) from z under {@code seed}, bias 0.
     */
    @Override
    public ParameterSet initialize(long seed) {
        ParameterSet p = new ParameterSet(spec.tensorSpecs());
        int head = spec.headTensor();
        if (spec.pretrained() != null) {
            float[][] body = provider(spec).body(spec);
            if (body.length != head) {
                throw new IllegalStateException("pretrained weights '" + spec.pretrained() + "' gave " + body.length
                        + " tensors; the body of " + spec + " has " + head);
            }
            for (int t = 0; t < head; t++) {
                System.arraycopy(body[t], 0, p.tensor(t), 0, p.tensor(t).length);
            }
        } else {
            for (int t = 0; t < head; t++) {
                initRandom(p, t, seed);
            }
        }
        initRandom(p, head, seed);
        return p;
    }

    private static void initRandom(ParameterSet p, int t, long seed) {
        TensorSpec s = p.spec(t);
        float[] x = p.tensor(t);
        if (s.rank() >= 2) {
            PerturbationGenerator.fill(seed, t, 0, x, 0, x.length);
            for (int i = 0; i < x.length; i++) {
                x[i] *= INIT_STD;
            }
        } else if (s.name().endsWith("norm.weight")) {
            java.util.Arrays.fill(x, 1f);
        }
    }

    private static PretrainedWeightsProvider provider(EncoderSpec spec) {
        for (PretrainedWeightsProvider p : ServiceLoader.load(PretrainedWeightsProvider.class,
                EncoderModel.class.getClassLoader())) {
            if (p.name().equals(spec.pretrained())) {
                return p;
            }
        }
        throw new InvalidConfigurationException("model spec", spec.toText(), "needs the pretrained weights '"
                + spec.pretrained() + "', but no provider of them is on the class path (the seedflow-text module "
                + "provides " + EncoderSpec.MINILM + ")");
    }

    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask) {
        throw new UnsupportedOperationException("encoder paired forward: being written");
    }

    @Override
    public double lossSum(ParameterSet params, Batch batch) {
        throw new UnsupportedOperationException("encoder forward: being written");
    }

    @Override
    public float[] logits(ParameterSet params, Batch batch) {
        throw new UnsupportedOperationException("encoder forward: being written");
    }
}
