package io.seedflow.core.model.encoder;

/**
 * The tokenizer of a pretrained encoder's vocabulary (the text module provides all-MiniLM-L6-v2's), found through
 * {@link java.util.ServiceLoader} like {@link PretrainedWeightsProvider}; core never links against it.
 */
public interface TokenizerProvider {
    /** The pretrained name of {@link EncoderSpec#pretrained()} whose vocabulary this is, e.g. "all-minilm-l6-v2". */
    String name();

    /** A new tokenizer that refuses texts longer than {@code maxChars} UTF-16 chars. */
    Tokenizer open(int maxChars);
}
