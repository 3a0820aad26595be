package io.seedflow.connectors.log;

import io.seedflow.core.log.HeadDelta;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceCorrection;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.List;

/** Fixed records shared by the codec and log-file tests. */
final class UpdateRecordFixtures {
    private UpdateRecordFixtures() {
    }

    static UpdateRecord golden() {
        return new UpdateRecord(1, "fashion-mnist-mlp", "ab".repeat(32), 42, UpdateStatus.APPLIED, 0.99999f,
                List.of(new PerturbationTerm(0x0123456789abcdefL, 1.5e-4f, 0.3f, 2.25f, 2.2494f),
                        new PerturbationTerm(-7L, -2.0e-5f, -0.04f, 2.1f, 2.10008f)),
                1e-3f, 5e-4f, 64,
                List.of(new Lineage("events", 0, 1000, 1032), new Lineage("events", 3, 77, 109)),
                1_763_856_000_000L);
    }

    static UpdateRecord skipped(long step) {
        return new UpdateRecord(1, "m", "cd".repeat(32), step, UpdateStatus.SKIPPED_NON_FINITE, 1f, List.of(), 1e-3f,
                5e-4f, 8, List.of(new Lineage("offline:x", 0, step * 8, step * 8 + 8)), 0L);
    }

    /**
     * The record of golden/model-update-v3.hex: format 3 with every section, for the model of {@link #goldenWeights}.
     * The mask trains the body (tensor 0 by magnitude, tensor 1 by a random keep stream), the subspace group is
     * tensor 0, and the head (tensors 2 and 3, frozen by the mask) moves by its exact delta only. The delta's values
     * include -0, a subnormal and a value that rounds when added.
     */
    static UpdateRecord goldenV3() {
        return new UpdateRecord(3, "elastic-head", "ef".repeat(32), 8, UpdateStatus.APPLIED, 0.99f,
                List.of(new PerturbationTerm(0x0FEDCBA987654321L, 2.5e-2f, 0.8f, 1.25f, 1.21f)),
                1e-3f, 3e-2f, 16, List.of(new Lineage("events", 2, 500, 516)), 1_763_942_400_000L,
                new UpdateMask(List.of(TensorMask.magnitude(0, 0.2f), TensorMask.random(1, 77L, 0.5f))),
                new SubspaceCorrection(List.of(0), List.of(11L, -12L, 13L), List.of(0.03f, -0.02f, 0.05f),
                        List.of(-4e-3f)),
                new HeadDelta(new int[] {2, 3}, new float[][] {
                        {-0.0625f, 0.001f, -0f, 1e-40f, 0.3333333f, -1.5e-5f},
                        {0.125f, -7.25e-3f}}));
    }

    /**
     * The records of golden/model-update-v4.hex, applied in order to {@link #goldenWeights} at version 7: the record
     * of {@link #goldenV3} (every section; it defines the log context inline), a dense one-term record without decay
     * (context by id only: the 40-byte case) and a skipped step.
     */
    static List<UpdateRecord> goldenV4Log() {
        UpdateRecord first = goldenV3();
        UpdateRecord dense = new UpdateRecord(1, first.modelId(), first.baseSnapshotId(), 9, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(-0x3A5C0FFEE1234567L, -1.25e-2f, 0.5f, 1.2f, 1.19f)), 1e-3f, 3e-2f, 16,
                List.of(new Lineage("events", 2, 516, 532)), first.trainerTimeMillis() + 1_250);
        UpdateRecord skipped = new UpdateRecord(1, first.modelId(), first.baseSnapshotId(), 10,
                UpdateStatus.SKIPPED_NON_FINITE, 1f, List.of(), 1e-3f, 3e-2f, 16,
                List.of(new Lineage("events", 2, 532, 548)), first.trainerTimeMillis() + 2_500);
        return List.of(first, dense, skipped);
    }

    /**
     * What a record reads as after a trip through the compact encoding: the monitoring-only fields are not carried
     * (NaN, batch size 0), everything else is kept.
     */
    static UpdateRecord compactView(UpdateRecord r) {
        List<PerturbationTerm> terms = r.perturbations().stream()
                .map(t -> new PerturbationTerm(t.seed(), t.coefficient(), Float.NaN, Float.NaN, Float.NaN)).toList();
        return new UpdateRecord(r.formatVersion(), r.modelId(), r.baseSnapshotId(), r.step(), r.status(),
                r.decayFactor(), terms, Float.NaN, Float.NaN, 0, r.lineage(), r.trainerTimeMillis(), r.mask(),
                r.subspace(), r.headDelta());
    }

    /** Fixed weights of shape mlp:4x3x2 (w0 [3,4], b0 [3], w1 [2,3], b1 [2]): k/16 for k in -5..5, zeros included. */
    static ParameterSet goldenWeights() {
        ParameterSet p = new ParameterSet(List.of(new TensorSpec("layers.0.weight", new int[] {3, 4}),
                new TensorSpec("layers.0.bias", new int[] {3}), new TensorSpec("layers.1.weight", new int[] {2, 3}),
                new TensorSpec("layers.1.bias", new int[] {2})));
        for (int t = 0; t < p.size(); t++) {
            float[] a = p.tensor(t);
            for (int e = 0; e < a.length; e++) {
                a[e] = ((e * 7 + t * 3) % 11 - 5) / 16f;
            }
        }
        return p;
    }
}
