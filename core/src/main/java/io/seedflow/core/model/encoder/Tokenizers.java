package io.seedflow.core.model.encoder;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.settings.TrainerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds the tokenizer of an encoder through the {@link TokenizerProvider}s on the class path. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * A new tokenizer for {@code spec}'s vocabulary.
     *
     * @throws InvalidConfigurationException naming the spec when no provider has its vocabulary (the random
     *     {@code bert-...} encoders have none; the text module must be on the class path for MiniLM)
     */
    public static Tokenizer forEncoder(EncoderSpec spec, int maxChars) {
        List<String> known = new ArrayList<>();
        for (TokenizerProvider p : ServiceLoader.load(TokenizerProvider.class, Tokenizers.class.getClassLoader())) {
            if (p.name().equals(spec.pretrained())) {
                return p.open(maxChars);
            }
            known.add(p.name());
        }
        throw new InvalidConfigurationException(TrainerSettings.MODEL_SPEC.key(), spec.toText(), "has no tokenizer: "
                + "text events need "
                + "the vocabulary of a pretrained encoder " + (known.isEmpty() ? "(no tokenizer on the class path; "
                + "the seedflow-text module provides all-minilm-l6-v2)" : known.toString()));
    }
}
