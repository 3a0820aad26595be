package io.seedflow.jobs.embedded;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.schemas.LabeledEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Examples of a {@link LabeledDataset} as {@link LabeledEvent}s, and back. */
public final class LabeledExamples {
    private LabeledExamples() {
    }

    /**
     * Example {@code index} of {@code data} as an event of {@code modelId}; the event id names the data set, the
     * index and the epoch ({@code data.name()/index/epoch}), so that repeats of an example stay distinguishable.
     */
    public static LabeledEvent event(LabeledDataset data, int index, String modelId, long epoch, Instant time) {
        int n = data.featureCount();
        List<Float> x = new ArrayList<>(n);
        float[] f = data.features();
        for (int i = index * n, end = i + n; i < end; i++) {
            x.add(f[i]);
        }
        return LabeledEvent.newBuilder()
                .setEventId(data.name() + "/" + index + "/" + epoch)
                .setEventTime(time)
                .setModelId(modelId)
                .setLabel(data.labels()[index])
                .setDenseFeatures(x)
                .setAttributes(Map.of("dataset", data.name(), "index", Integer.toString(index)))
                .build();
    }
}
