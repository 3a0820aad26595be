package io.seedflow.core.model;

/**
 * A model family as a plug-in: found through {@link java.util.ServiceLoader} by the prefix of its spec's text form
 * ({@code mlp:}, {@code encoder:}, {@code linear:} ...), it parses its specs; a spec brings the rest (its tensors with
 * their {@link TensorRole roles}, what one example is, its compute instance). Register an implementation in
 * {@code META-INF/services/io.seedflow.core.model.ModelFamily} of the module that holds it. See
 * docs/adding-a-model-family.md.
 */
public interface ModelFamily {
    /** The prefix of the text form, before the first ':'; unique among the families on the class path. */
    String prefix();

    /** What the text form looks like, for error messages and flag help, e.g. {@code linear:<in>x<classes>}. */
    String form();

    /**
     * The spec of {@code text}, whose prefix is {@link #prefix()}.
     *
     * @throws io.seedflow.core.error.InvalidConfigurationException naming the text and the form expected
     */
    ModelSpec parse(String text);
}
