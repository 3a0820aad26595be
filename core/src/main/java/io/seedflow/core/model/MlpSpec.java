package io.seedflow.core.model;

import io.seedflow.core.objective.Objectives;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Architecture of a multilayer perceptron: layer widths from input to classes and the hidden activation. Its
 * parameters, in canonical order, are {@code layers.<l>.weight [out, in]} then {@code layers.<l>.bias [out]} for
 * l = 0, 1, ... . Text form: {@code mlp:784x128x10:relu}.
 */
public record MlpSpec(int[] widths, Activation activation) implements ModelSpec {
    public static final String FAMILY = "mlp";
    /** What the text form looks like. */
    public static final String FORM = "mlp:<in>x<hidden>...x<classes>:<relu|gelu>";

    public MlpSpec {
        widths = widths.clone();
        if (widths.length < 2) {
            throw new InvalidConfigurationException("mlp widths", Arrays.toString(widths),
                    "need at least an input width and a class count, e.g. 784x128x10");
        }
        for (int w : widths) {
            if (w <= 0) {
                throw new InvalidConfigurationException("mlp widths", Arrays.toString(widths), "every width must be > 0");
            }
        }
        if (widths[widths.length - 1] < 2) {
            throw new InvalidConfigurationException("mlp classes", widths[widths.length - 1], "need at least 2 classes");
        }
    }

    /** Parses the text form exactly (update-log spec §1): no empty piece, widths of ASCII digits. */
    public static MlpSpec parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3 || !parts[0].equals("mlp")) {
            throw new InvalidConfigurationException("model spec", text, "expected " + FORM);
        }
        String[] w = parts[1].split("x", -1);
        int[] widths = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            widths[i] = ModelSpecs.number(text, w[i], "width " + i + " (widths are integers separated by 'x')");
        }
        try {
            return new MlpSpec(widths, Activation.parse(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("model spec", text, e.getMessage());
        }
    }

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public InputKind inputKind() {
        return InputKind.DENSE;
    }

    @Override
    public int inputWidth() {
        return inputs();
    }

    @Override
    public Mlp newModel() {
        return newModel(Objectives.DEFAULT);
    }

    @Override
    public Mlp newModel(Objective objective) {
        return new Mlp(this, objective);
    }

    public int layerCount() {
        return widths.length - 1;
    }

    public int inputs() {
        return widths[0];
    }

    @Override
    public int classes() {
        return widths[widths.length - 1];
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    public int width(int i) {
        return widths[i];
    }

    @Override
    public List<TensorSpec> tensorSpecs() {
        List<TensorSpec> specs = new ArrayList<>();
        for (int l = 0; l < layerCount(); l++) {
            specs.add(new TensorSpec("layers." + l + ".weight", new int[] {widths[l + 1], widths[l]}));
            specs.add(new TensorSpec("layers." + l + ".bias", new int[] {widths[l + 1]}));
        }
        return specs;
    }

    /** The last layer is the head; the layers before it are the body. */
    @Override
    public List<TensorRole> tensorRoles() {
        List<TensorRole> roles = new ArrayList<>();
        for (int l = 0; l < layerCount(); l++) {
            TensorRole role = l == layerCount() - 1 ? TensorRole.HEAD : TensorRole.BODY;
            roles.add(role); // weight
            roles.add(role); // bias
        }
        return roles;
    }

    @Override
    public String toText() {
        StringBuilder sb = new StringBuilder("mlp:");
        for (int i = 0; i < widths.length; i++) {
            sb.append(i == 0 ? "" : "x").append(widths[i]);
        }
        return sb.append(':').append(activation.name().toLowerCase()).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpSpec m && Arrays.equals(m.widths, widths) && m.activation == activation;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths) * 31 + activation.hashCode();
    }

    @Override
    public String toString() {
        return toText();
    }
}
