package io.seedflow.core.model.linear;

import io.seedflow.core.model.ModelFamily;
import io.seedflow.core.model.ModelSpec;

/** The linear (multinomial logistic regression) family, prefix {@code linear}: a baseline on dense features. */
public final class LinearFamily implements ModelFamily {
    @Override
    public String prefix() {
        return LinearSpec.FAMILY;
    }

    @Override
    public String form() {
        return LinearSpec.FORM;
    }

    @Override
    public ModelSpec parse(String text) {
        return LinearSpec.parse(text);
    }
}
