package io.seedflow.core.data;

import io.seedflow.core.error.InvalidConfigurationException;
import java.util.List;

/**
 * A split by position in time order: the first {@code floor(n * trainFraction)} examples train, the rest test, so
 * the test set lies after the training set in time and shows the drift a model deployed then would meet.
 */
public record TimeOrderedSplit(List<LabeledEmail> train, List<LabeledEmail> test) {
    public TimeOrderedSplit {
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /** Splits {@code timeOrdered} (already sorted by {@link LabeledEmail#TIME_ORDER}). */
    public static TimeOrderedSplit of(List<LabeledEmail> timeOrdered, double trainFraction) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new InvalidConfigurationException("trainFraction", trainFraction,
                    "strictly between 0 and 1, e.g. 0.7 for the first 70% in time order");
        }
        int cut = (int) Math.floor(timeOrdered.size() * trainFraction);
        return new TimeOrderedSplit(timeOrdered.subList(0, cut), timeOrdered.subList(cut, timeOrdered.size()));
    }
}
