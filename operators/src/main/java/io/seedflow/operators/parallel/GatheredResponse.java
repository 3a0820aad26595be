package io.seedflow.operators.parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
import org.apache.flink.streaming.api.operators.collect.CollectCoordinationResponse;

/**
 * A {@link StepGatheredEvent} as the response to a {@link GatherRequest}. A response travels back over Flink's RPC
 * as an object that the TaskManager deserializes with Flink's own class loader, which does not see the job's classes
 * (an operator event, in contrast, is deserialized with the job's class loader). So the response is Flink's
 * {@link CollectCoordinationResponse} (a version string, a long, a list of byte arrays: made for the collect sink, but
 * generic), holding a tag, the step and the payloads.
 */
final class GatheredResponse {
    static final String TAG = "seedflow-dp-gather-1";

    private GatheredResponse() {
    }

    static CoordinationResponse of(StepGatheredEvent gathered) {
        List<byte[]> entries = new ArrayList<>();
        try {
            for (byte[] payload : gathered.payloads()) {
                DataOutputSerializer out = new DataOutputSerializer(payload.length + 4);
                BytePrimitiveArraySerializer.INSTANCE.serialize(payload, out);
                entries.add(out.getCopyOfBuffer());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CollectCoordinationResponse(TAG, gathered.step(), entries);
    }

    static StepGatheredEvent read(CoordinationResponse response) {
        if (!(response instanceof CollectCoordinationResponse r) || !TAG.equals(r.getVersion())) {
            throw new IllegalStateException("data-parallel trainer: unexpected coordination response " + response);
        }
        try {
            return new StepGatheredEvent(r.getLastCheckpointedOffset(),
                    r.getResults(BytePrimitiveArraySerializer.INSTANCE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
