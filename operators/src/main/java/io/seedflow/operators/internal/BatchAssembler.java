package io.seedflow.operators.internal;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.data.TrainingExample;
import java.util.ArrayList;
import java.util.List;

/** Turns buffered examples into a core {@link Batch} (in arrival order; the family's {@link io.seedflow.core.model.InputCodec}) and its lineage. */
public final class BatchAssembler {
    private BatchAssembler() {
    }

    /** The examples as one batch for {@code spec}, through its family's input codec. */
    public static Batch batch(List<TrainingExample> examples, ModelSpec spec) {
        return spec.inputCodec().batch(examples);
    }

    /** Accuracy of {@code session}'s current weights on held-out examples (not empty), 256 at a time. */
    public static double accuracy(io.seedflow.core.session.TrainingSession session, List<TrainingExample> examples,
            ModelSpec spec) {
        return session.evaluate(dataset("holdout", examples, spec), examples.size(), 256).accuracy();
    }

    /** The examples as a labeled data set for {@code spec} (for evaluation), through its family's input codec. */
    public static LabeledDataset dataset(String name, List<TrainingExample> examples, ModelSpec spec) {
        return spec.inputCodec().dataset(name, examples);
    }

    /**
     * Lineage of a batch: per (source, partition), its offsets sorted and cut into maximal contiguous ranges
     * [from, until). Offsets of one partition need not be contiguous (other keys' events, dead-lettered events sit
     * between them), so a partition may get several ranges; every example is covered exactly once.
     */
    public static List<Lineage> lineage(List<TrainingExample> examples) {
        List<Lineage> single = new ArrayList<>(examples.size());
        for (TrainingExample e : examples) {
            single.add(new Lineage(e.source, e.partition, e.offset, e.offset + 1));
        }
        return Lineage.merged(single);
    }
}
