package io.seedflow.core.snapshot;

import io.seedflow.core.tensor.ParameterSet;

/**
 * Weights encoded as a safetensors snapshot (deterministic bytes, so the id is known before anything is stored and
 * the records after it can name it as their base at once). Where it is stored is the caller's business: a local
 * directory ({@link SnapshotStore}), a Flink FileSystem path, object storage.
 */
public record EncodedSnapshot(String modelId, long step, String sha256, byte[] bytes, String weightsSha256) {

    /** Encodes {@code params} as the snapshot of {@code modelId} at {@code step}. */
    public static EncodedSnapshot of(String modelId, long step, String modelSpec, ParameterSet params) {
        byte[] bytes = SafetensorsFormat.encode(params, modelId, step, modelSpec);
        return new EncodedSnapshot(modelId, step, SafetensorsFormat.sha256(bytes), bytes, params.weightsSha256());
    }
}
