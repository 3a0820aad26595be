package io.seedflow.core.model.encoder;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.TrainerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds the tokenizer of a model's vocabulary ({@link ModelSpec#vocabulary()}) among the {@link TokenizerProvider}s on the class path. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * A new tokenizer for {@code spec}'s vocabulary.
     *
     * @throws InvalidConfigurationException naming the spec when no provider has its vocabulary (the random
     *     {@code bert-...} encoders have none; the text module must be on the class path for MiniLM)
     */
    public static Tokenizer forEncoder(ModelSpec spec, int maxChars) {
        return open(spec, maxChars);
    }

    /**
     * A new tokenizer for {@code spec}'s vocabulary, refusing texts longer than {@code maxChars} UTF-16 chars.
     *
     * @throws InvalidConfigurationException naming the spec when it has no vocabulary or no provider has it
     */
    public static Tokenizer open(ModelSpec spec, int maxChars) {
        return provider(spec).open(maxChars);
    }

    /**
     * Checks that {@code spec} has a tokenizer, without opening one (which loads a vocabulary).
     *
     * @throws InvalidConfigurationException as {@link #forEncoder} does
     */
    public static void requireVocabulary(ModelSpec spec) {
        provider(spec);
    }

    private static TokenizerProvider provider(ModelSpec spec) {
        List<String> known = new ArrayList<>();
        for (TokenizerProvider p : ServiceLoader.load(TokenizerProvider.class, Tokenizers.class.getClassLoader())) {
            if (spec.vocabulary().isPresent() && p.name().equals(spec.vocabulary().get())) {
                return p;
            }
            known.add(p.name());
        }
        throw new InvalidConfigurationException(TrainerSettings.MODEL_SPEC.key(), spec.toText(), "has no tokenizer: "
                + "text events need the vocabulary of a pretrained encoder " + (known.isEmpty() ? "(no tokenizer on "
                + "the class path; the seedflow-text module provides all-minilm-l6-v2)" : known.toString()));
    }
}
