package io.seedflow.core.model.linear;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.TensorRole;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.tensor.TensorSpec;
import java.util.List;

/**
 * A linear classifier on dense features (multinomial logistic regression under softmax cross-entropy): logits =
 * W x + b. Its tensors, in canonical order, are {@code weight [classes, inputs]} and {@code bias [classes]}; both
 * are the {@link TensorRole#HEAD head}, so the exact head trains the whole model. Text form:
 * {@code linear:<inputs>x<classes>}, e.g. {@code linear:784x10}.
 */
public record LinearSpec(int inputs, int classes) implements ModelSpec {
    public static final String FAMILY = "linear";
    public static final String FORM = "linear:<inputs>x<classes>";

    public LinearSpec {
        if (inputs < 1) {
            throw new InvalidConfigurationException("linear inputs", inputs, "must be >= 1");
        }
        if (classes < 2) {
            throw new InvalidConfigurationException("linear classes", classes, "must be >= 2");
        }
    }

    public static LinearSpec parse(String text) {
        String[] parts = text.split(":", -1);
        String[] widths = parts.length == 2 ? parts[1].split("x", -1) : new String[0];
        if (!parts[0].equals(FAMILY) || widths.length != 2) {
            throw new InvalidConfigurationException("model spec", text, "expected " + FORM);
        }
        return new LinearSpec(ModelSpecs.number(text, widths[0], "inputs"),
                ModelSpecs.number(text, widths[1], "classes"));
    }

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public String toText() {
        return FAMILY + ":" + inputs + "x" + classes;
    }

    @Override
    public List<TensorSpec> tensorSpecs() {
        return List.of(new TensorSpec("weight", new int[] {classes, inputs}), new TensorSpec("bias", new int[] {classes}));
    }

    @Override
    public List<TensorRole> tensorRoles() {
        return List.of(TensorRole.HEAD, TensorRole.HEAD);
    }

    @Override
    public InputKind inputKind() {
        return InputKind.DENSE;
    }

    @Override
    public int inputWidth() {
        return inputs;
    }

    @Override
    public Model newModel(Objective objective) {
        return new LinearModel(this, objective);
    }

    @Override
    public String toString() {
        return toText();
    }
}
