package io.seedflow.core.snapshot;

import io.seedflow.core.tensor.ParameterSet;
import java.util.Map;

/**
 * Full weights at a model version, with the safetensors {@code __metadata__} they were stored with. The snapshot id
 * is the SHA-256 of the file bytes ({@link #sha256()}).
 */
public record Snapshot(ParameterSet parameters, String modelId, long step, String modelSpec, String sha256,
        long sizeBytes, Map<String, String> metadata) {
    public Snapshot {
        metadata = Map.copyOf(metadata);
    }
}
