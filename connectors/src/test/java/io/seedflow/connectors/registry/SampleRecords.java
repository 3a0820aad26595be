package io.seedflow.connectors.registry;

import io.seedflow.schemas.LabeledEvent;
import io.seedflow.schemas.LineageRange;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.schemas.Perturbation;
import io.seedflow.schemas.SnapshotAnnouncement;
import io.seedflow.schemas.UpdateStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One fixed record of each wire type, with every optional field set, for codec and registry tests. */
final class SampleRecords {
    private SampleRecords() {
    }

    static LabeledEvent labeledEvent(int i) {
        return LabeledEvent.newBuilder().setEventId("event-" + i).setEventTime(Instant.ofEpochMilli(1_763_856_000_000L + i))
                .setModelId("fashion-mnist-mlp").setLabel(i % 10)
                .setDenseFeatures(List.of(0f, 0.5f, 1f, -0f, Float.MIN_VALUE, (float) i))
                .setText(null).setAttributes(Map.of("source", "test", "tenant", "t" + i)).build();
    }

    static ModelUpdate modelUpdate(long step) {
        return ModelUpdate.newBuilder().setFormatVersion(1).setModelId("fashion-mnist-mlp").setBaseSnapshotId("ab".repeat(32))
                .setStep(step).setStatus(UpdateStatus.APPLIED).setDecayFactor(0.99999f)
                .setPerturbations(List.of(Perturbation.newBuilder().setSeed(0x0123456789abcdefL + step)
                        .setCoefficient(1.5e-4f).setProjectedGradient(0.3f).setLossPlus(2.25f).setLossMinus(2.2494f)
                        .build()))
                .setEpsilon(1e-3f).setLearningRate(5e-4f).setBatchSize(64)
                .setLineage(List.of(LineageRange.newBuilder().setSource("events").setPartition(0)
                        .setFromOffset(step * 64).setUntilOffset(step * 64 + 64).build()))
                .setTrainerTimeMillis(Instant.ofEpochMilli(1_763_856_000_000L)).build();
    }

    static SnapshotAnnouncement snapshotAnnouncement(long step) {
        return SnapshotAnnouncement.newBuilder().setFormatVersion(1).setModelId("fashion-mnist-mlp").setStep(step)
                .setUri("file:///tmp/snapshots/" + "cd".repeat(32) + ".safetensors").setSha256("cd".repeat(32))
                .setSizeBytes(204_840L).setWeightsSha256("ef".repeat(32))
                .setCreatedMillis(Instant.ofEpochMilli(1_763_856_000_000L)).build();
    }
}
