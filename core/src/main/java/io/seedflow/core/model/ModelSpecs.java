package io.seedflow.core.model;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.encoder.EncoderSpec;

/** Parses a model spec of any family by its prefix: {@code mlp:...} or {@code encoder:...}. */
public final class ModelSpecs {
    /** What the text form of a spec looks like, for error messages and flag help. */
    public static final String FORMS = "mlp:<in>x<hidden>...x<classes>:<relu|gelu> or "
            + EncoderSpec.FORM;

    private ModelSpecs() {
    }

    public static ModelSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidConfigurationException("model spec", text, "expected " + FORMS);
        }
        String family = text.substring(0, Math.max(0, text.indexOf(':')));
        return switch (family) {
            case MlpSpec.FAMILY -> MlpSpec.parse(text);
            case EncoderSpec.FAMILY -> EncoderSpec.parse(text);
            default -> throw new InvalidConfigurationException("model spec", text,
                    "unknown model family '" + family + "'; expected " + FORMS);
        };
    }
}
