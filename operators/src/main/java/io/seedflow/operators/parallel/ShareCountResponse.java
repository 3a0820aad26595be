package io.seedflow.operators.parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
import org.apache.flink.streaming.api.operators.collect.CollectCoordinationResponse;

/**
 * The answer to a {@link ShareCountRequest}: the step and the example count of its data group's first share. As
 * {@link GatheredResponse} explains, a response must be a class Flink's own class loader knows, so it travels as a
 * {@link CollectCoordinationResponse} holding a tag, the step and one result, the count as 4 big-endian bytes.
 */
final class ShareCountResponse {
    static final String TAG = "seedflow-dp-share-count-1";

    private ShareCountResponse() {
    }

    record Count(long step, int examples) {
    }

    static CoordinationResponse of(long step, int examples) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(8);
            BytePrimitiveArraySerializer.INSTANCE.serialize(ByteBuffer.allocate(4).putInt(examples).array(), out);
            return new CollectCoordinationResponse(TAG, step, List.of(out.getCopyOfBuffer()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Count read(CoordinationResponse response) {
        if (!(response instanceof CollectCoordinationResponse r) || !TAG.equals(r.getVersion())) {
            throw new IllegalStateException("data-parallel trainer: unexpected coordination response " + response);
        }
        try {
            List<byte[]> results = r.getResults(BytePrimitiveArraySerializer.INSTANCE);
            return new Count(r.getLastCheckpointedOffset(), ByteBuffer.wrap(results.get(0)).getInt());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
