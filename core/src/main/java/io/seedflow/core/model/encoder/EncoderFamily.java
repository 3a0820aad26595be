package io.seedflow.core.model.encoder;

import io.seedflow.core.model.ModelFamily;
import io.seedflow.core.model.ModelSpec;

/** The BERT-style text encoder family ({@link EncoderSpec}), prefix {@code encoder}. */
public final class EncoderFamily implements ModelFamily {
    @Override
    public String prefix() {
        return EncoderSpec.FAMILY;
    }

    @Override
    public String form() {
        return EncoderSpec.FORM;
    }

    @Override
    public ModelSpec parse(String text) {
        return EncoderSpec.parse(text);
    }
}
