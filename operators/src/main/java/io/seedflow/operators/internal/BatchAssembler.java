package io.seedflow.operators.internal;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.data.TrainingExample;
import java.util.ArrayList;
import java.util.List;

/** Turns buffered examples (dense or tokenized text) into a core {@link Batch} (in arrival order) and its lineage. */
public final class BatchAssembler {
    private BatchAssembler() {
    }

    /** The examples as one batch for {@code spec}: dense features, or token ids padded with 0 to maxTokens. */
    public static Batch batch(List<TrainingExample> examples, ModelSpec spec) {
        if (spec.inputKind() == InputKind.TOKENS) {
            Tokens t = tokens(examples, spec.inputWidth());
            return Batch.ofTokens(t.ids, t.counts, t.labels, spec.inputWidth());
        }
        return batch(examples, spec.inputWidth());
    }

    /** Accuracy of {@code session}'s current weights on held-out examples (not empty), 256 at a time. */
    public static double accuracy(io.seedflow.core.session.TrainingSession session, List<TrainingExample> examples,
            ModelSpec spec) {
        return session.evaluate(dataset("holdout", examples, spec), examples.size(), 256).accuracy();
    }

    /** The examples as a labeled data set for {@code spec} (for evaluation). */
    public static LabeledDataset dataset(String name, List<TrainingExample> examples, ModelSpec spec) {
        if (spec.inputKind() == InputKind.TOKENS) {
            Tokens t = tokens(examples, spec.inputWidth());
            return LabeledDataset.ofTokens(name, t.ids, t.counts, t.labels, spec.inputWidth(), spec.classes());
        }
        Batch b = batch(examples, spec.inputWidth());
        return new LabeledDataset(name, b.features(), b.labels(), b.size(), spec.inputWidth(), spec.classes());
    }

    private record Tokens(int[] ids, int[] counts, int[] labels) {
    }

    private static Tokens tokens(List<TrainingExample> examples, int maxTokens) {
        int n = examples.size();
        int[] ids = new int[n * maxTokens];
        int[] counts = new int[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            TrainingExample e = examples.get(i);
            System.arraycopy(e.tokenIds, 0, ids, i * maxTokens, e.tokenIds.length);
            counts[i] = e.tokenIds.length;
            labels[i] = e.label;
        }
        return new Tokens(ids, counts, labels);
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
        List<Lineage> single = new ArrayList<>(examples.size());
        for (TrainingExample e : examples) {
            single.add(new Lineage(e.source, e.partition, e.offset, e.offset + 1));
        }
        return Lineage.merged(single);
    }
}
