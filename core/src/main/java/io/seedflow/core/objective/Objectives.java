package io.seedflow.core.objective;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.SoftmaxCrossEntropy;
import java.util.List;

/** The objectives SeedFlow knows, by name, and the default one (the one place that names an implementation). */
public final class Objectives {
    /** Softmax cross-entropy on class labels: what every family trains with unless told otherwise. */
    public static final Objective DEFAULT = SoftmaxCrossEntropy.OBJECTIVE;

    private static final List<Objective> KNOWN = List.of(DEFAULT);

    private Objectives() {
    }

    /** The objective called {@code name}; {@code setting} names the setting or flag for the error. */
    public static Objective byName(String setting, String name) {
        for (Objective o : KNOWN) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        throw new InvalidConfigurationException(setting, name, "expected one of "
                + KNOWN.stream().map(Objective::name).toList());
    }
}
