package io.seedflow.core.model.lora;

import io.seedflow.core.model.ModelFamily;
import io.seedflow.core.model.ModelSpec;

/** LoRA adapters over any family with a head, prefix {@code lora}: see {@link LoraSpec}. */
public final class LoraFamily implements ModelFamily {
    @Override
    public String prefix() {
        return LoraSpec.FAMILY;
    }

    @Override
    public String form() {
        return LoraSpec.FORM;
    }

    @Override
    public ModelSpec parse(String text) {
        return LoraSpec.parse(text);
    }
}
