package io.seedflow.jobs.streaming;

import io.seedflow.core.data.TrainingExample;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.FilterFunction;

/** Keeps the examples of the given model ids ({@code keep}) or of all other model ids. */
final class ModelIdFilter implements FilterFunction<TrainingExample> {
    private static final long serialVersionUID = 1L;
    private final Set<String> modelIds;
    private final boolean keep;

    ModelIdFilter(List<String> modelIds, boolean keep) {
        this.modelIds = Set.copyOf(modelIds);
        this.keep = keep;
    }

    @Override
    public boolean filter(TrainingExample example) {
        return modelIds.contains(example.modelId) == keep;
    }
}
