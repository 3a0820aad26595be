package io.seedflow.operators.internal;

import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.tensor.ParameterSet;

/**
 * A snapshot that has been taken (encoded deterministically, so its id is known and the records after it can name
 * it as their base at once) but maybe not yet stored. Storing happens off the task thread; only a stored snapshot
 * may become the state's {@link SnapshotPointer}.
 */
public record PendingSnapshot(String modelId, long step, String sha256, byte[] bytes, String weightsSha256) {

    /** Encodes {@code params} as the snapshot of {@code modelId} at {@code step}. */
    public static PendingSnapshot of(String modelId, long step, String modelSpec, ParameterSet params) {
        byte[] bytes = SafetensorsFormat.encode(params, modelId, step, modelSpec);
        return new PendingSnapshot(modelId, step, SafetensorsFormat.sha256(bytes), bytes, params.weightsSha256());
    }

    /** Stores the bytes (idempotent: same id, same bytes) and returns the pointer to them. */
    public SnapshotPointer store(FileSystemSnapshotStore store, long nowMillis) {
        String uri = store.write(sha256, bytes);
        return new SnapshotPointer(sha256, uri, step, bytes.length, weightsSha256, nowMillis);
    }
}
