package io.seedflow.text;

import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.model.encoder.Tokenizer;
import io.seedflow.core.model.encoder.TokenizerProvider;

/** Registers all-MiniLM-L6-v2's tokenizer with core's {@link TokenizerProvider} seam (META-INF/services). */
public final class MiniLmTokenizerProvider implements TokenizerProvider {
    @Override
    public String name() {
        return EncoderSpec.MINILM;
    }

    @Override
    public Tokenizer open(int maxChars) {
        return TextTokenizer.fromResource(MiniLmResources.TOKENIZER, maxChars);
    }
}
