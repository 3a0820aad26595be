package io.seedflow.text;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.seedflow.core.error.PretrainedModelException;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.model.encoder.PretrainedWeightsProvider;

/**
 * The pretrained body of {@code all-minilm-l6-v2}, read from the initializers of its ONNX file
 * ({@link OnnxEncoderReader}) after checking the graph constants the forward hardcodes ({@link GraphConstants}).
 * Registered for {@link java.util.ServiceLoader}.
 *
 * <p>The file is parsed once per JVM, on first use, and the body (22.6 M floats, 91 MB) stays cached for the JVM's
 * life. Each call of {@link #body} hands out fresh copies, so a caller may modify what it gets.
 */
public final class MiniLmWeightsProvider implements PretrainedWeightsProvider {

    /** Parsed on first use; a failed parse is not cached, so every call reports the same typed error. */
    private static float[][] cached;

    private static synchronized float[][] cached() {
        if (cached == null) {
            ModelProto model = MiniLmResources.model();
            EncoderSpec reference = EncoderSpec.miniLm(2, EncoderSpec.DEFAULT_MAX_TOKENS);
            OnnxEncoderReader.checkConstants(model, reference);
            cached = OnnxEncoderReader.readBody(model, reference);
        }
        return cached;
    }

    @Override
    public String name() {
        return EncoderSpec.MINILM;
    }

    /**
     * Copies of the body. The body does not depend on the head ({@code classes}) or on {@code maxTokens} (all 512
     * positions are kept), so one cached copy serves every MiniLM spec.
     */
    @Override
    public float[][] body(EncoderSpec spec) {
        if (!EncoderSpec.MINILM.equals(spec.pretrained())) {
            throw new PretrainedModelException("provider " + EncoderSpec.MINILM + " cannot load the body of " + spec);
        }
        EncoderSpec reference = EncoderSpec.miniLm(spec.classes(), spec.maxTokens()).withCosine(spec.cosine());
        if (!reference.equals(spec)) {
            throw new PretrainedModelException("provider " + EncoderSpec.MINILM + ": expected the dimensions of "
                    + reference + " (6 x 384, 12 heads, FFN 1536, vocabulary 30522, 512 positions), got " + spec.layers()
                    + " x " + spec.hidden() + ", " + spec.heads() + " heads, FFN " + spec.ffn() + ", vocabulary "
                    + spec.vocab() + ", " + spec.positions() + " positions");
        }
        float[][] source = cached();
        float[][] copy = new float[source.length][];
        for (int t = 0; t < source.length; t++) {
            copy[t] = source[t].clone();
        }
        return copy;
    }
}
