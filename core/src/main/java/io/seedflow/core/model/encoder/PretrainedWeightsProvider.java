package io.seedflow.core.model.encoder;

/**
 * Where the body of a pretrained encoder comes from (the text module reads all-MiniLM-L6-v2 from its ONNX
 * initializers), found through {@link java.util.ServiceLoader}; core never links against it.
 */
public interface PretrainedWeightsProvider {
    /** The pretrained name of {@link EncoderSpec#pretrained()} this provider loads, e.g. "all-minilm-l6-v2". */
    String name();

    /**
     * The pretrained body in {@code spec}'s canonical order: one array per tensor from {@code embeddings.word}
     * through the last {@code ffn_norm.bias} (every tensor before {@code head.weight}), each of the exact length of
     * its {@link io.seedflow.core.tensor.TensorSpec}. Throws with the tensor's name when the source lacks one or its
     * shape differs.
     */
    float[][] body(EncoderSpec spec);
}
