package io.seedflow.core.model;

import io.seedflow.core.error.InvalidConfigurationException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Parses a model spec of any family by its prefix ({@code mlp:...}, {@code encoder:...}): the {@link ModelFamily}
 * plug-ins on the class path, loaded once, in the order of their registration files.
 */
public final class ModelSpecs {
    private static final Map<String, ModelFamily> FAMILIES = load();

    /** What the text form of a spec looks like, for error messages and flag help: every family's form. */
    public static final String FORMS = FAMILIES.values().stream().map(ModelFamily::form)
            .collect(Collectors.joining(" or "));

    private ModelSpecs() {
    }

    public static ModelSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidConfigurationException("model spec", text, "expected " + FORMS);
        }
        String prefix = text.substring(0, Math.max(0, text.indexOf(':')));
        ModelFamily family = FAMILIES.get(prefix);
        if (family == null) {
            throw new InvalidConfigurationException("model spec", text,
                    "unknown model family '" + prefix + "'; expected " + FORMS);
        }
        return family.parse(text);
    }

    /**
     * A number in a spec's text form (a width, a count): one or more ASCII digits {@code 0-9}, leading zeros allowed,
     * of value at most 2^31 - 1 (update-log spec §1). No sign, no other digits, no spaces.
     *
     * @param text the whole spec, for the message
     * @param piece the number's text
     * @param what what the number is, for the message
     * @throws InvalidConfigurationException naming the spec and the piece
     */
    public static int number(String text, String piece, String what) {
        long value = piece.isEmpty() ? -1 : 0;
        for (int i = 0; i < piece.length() && value >= 0; i++) {
            char c = piece.charAt(i);
            value = c >= '0' && c <= '9' ? value * 10 + (c - '0') : -1;
            value = value > Integer.MAX_VALUE ? -1 : value;
        }
        if (value < 0) {
            throw new InvalidConfigurationException("model spec", text, what + " must be a decimal integer (ASCII "
                    + "digits, at most " + Integer.MAX_VALUE + "), got '" + piece + "'");
        }
        return (int) value;
    }

    /** The families on the class path by prefix (this class's loader: the job's, inside a Flink task too). */
    private static Map<String, ModelFamily> load() {
        Map<String, ModelFamily> families = new LinkedHashMap<>();
        for (ModelFamily f : ServiceLoader.load(ModelFamily.class, ModelSpecs.class.getClassLoader())) {
            ModelFamily before = families.putIfAbsent(f.prefix(), f);
            if (before != null && before.getClass() != f.getClass()) {
                throw new IllegalStateException("two model families claim the prefix '" + f.prefix() + "': "
                        + before.getClass().getName() + " and " + f.getClass().getName());
            }
        }
        return java.util.Collections.unmodifiableMap(families);
    }
}
