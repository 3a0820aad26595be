package io.seedflow.core.model;

/** The multilayer perceptron family ({@link MlpSpec}), prefix {@code mlp}. */
public final class MlpFamily implements ModelFamily {
    @Override
    public String prefix() {
        return MlpSpec.FAMILY;
    }

    @Override
    public String form() {
        return MlpSpec.FORM;
    }

    @Override
    public ModelSpec parse(String text) {
        return MlpSpec.parse(text);
    }
}
