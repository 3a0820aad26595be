package io.seedflow.operators.internal;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.Batch;
import io.seedflow.core.data.TrainingExample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Turns buffered examples into a core {@link Batch} (in arrival order) and its lineage. */
public final class BatchAssembler {
    private BatchAssembler() {
    }

    public static Batch batch(List<TrainingExample> examples, int featureCount) {
        int n = examples.size();
        float[] features = new float[n * featureCount];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            TrainingExample e = examples.get(i);
            System.arraycopy(e.features, 0, features, i * featureCount, featureCount);
            labels[i] = e.label;
        }
        return new Batch(features, labels, n, featureCount);
    }

    /**
     * Lineage of a batch: per (source, partition), its offsets sorted and cut into maximal contiguous ranges
     * [from, until). Offsets of one partition need not be contiguous (other keys' events, dead-lettered events sit
     * between them), so a partition may get several ranges; every example is covered exactly once.
     */
    public static List<Lineage> lineage(List<TrainingExample> examples) {
        List<TrainingExample> sorted = new ArrayList<>(examples);
        sorted.sort(Comparator.comparing((TrainingExample e) -> e.source).thenComparingInt(e -> e.partition)
                .thenComparingLong(e -> e.offset));
        List<Lineage> out = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            TrainingExample first = sorted.get(i);
            long until = first.offset + 1;
            int j = i + 1;
            while (j < sorted.size() && sorted.get(j).source.equals(first.source)
                    && sorted.get(j).partition == first.partition && sorted.get(j).offset == until) {
                until++;
                j++;
            }
            out.add(new Lineage(first.source, first.partition, first.offset, until));
            i = j;
        }
        return out;
    }
}
