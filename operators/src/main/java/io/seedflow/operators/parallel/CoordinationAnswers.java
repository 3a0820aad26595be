package io.seedflow.operators.parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
import org.apache.flink.streaming.api.operators.collect.CollectCoordinationResponse;

/**
 * The coordinator's answers to the subtasks' requests: the gathered shares of a step ({@link GatherRequest}) and a
 * data group leader's example count ({@link ShareCountRequest}). A response travels back over Flink's RPC as an
 * object that the TaskManager deserializes with Flink's own class loader, which does not see the job's classes (an
 * operator event, in contrast, is deserialized with the job's class loader). So each answer is Flink's
 * {@link CollectCoordinationResponse} (a version string, a long, a list of byte arrays: made for the collect sink, but
 * generic) holding a tag naming the kind of answer, the step, and its payloads.
 */
final class CoordinationAnswers {
    static final String GATHERED = "seedflow-dp-gather-1";
    static final String SHARE_COUNT = "seedflow-dp-share-count-1";

    private CoordinationAnswers() {
    }

    /** A leader's example count of a step. */
    record ShareCount(long step, int examples) {
    }

    static CoordinationResponse gathered(StepGatheredEvent gathered) {
        return answer(GATHERED, gathered.step(), gathered.payloads());
    }

    static StepGatheredEvent readGathered(CoordinationResponse response) {
        CollectCoordinationResponse r = expect(response, GATHERED);
        return new StepGatheredEvent(r.getLastCheckpointedOffset(), payloads(r));
    }

    /** The count as one payload of 4 big-endian bytes. */
    static CoordinationResponse shareCount(long step, int examples) {
        return answer(SHARE_COUNT, step, List.of(ByteBuffer.allocate(4).putInt(examples).array()));
    }

    static ShareCount readShareCount(CoordinationResponse response) {
        CollectCoordinationResponse r = expect(response, SHARE_COUNT);
        return new ShareCount(r.getLastCheckpointedOffset(), ByteBuffer.wrap(payloads(r).get(0)).getInt());
    }

    private static CoordinationResponse answer(String tag, long step, List<byte[]> payloads) {
        List<byte[]> entries = new ArrayList<>(payloads.size());
        try {
            for (byte[] payload : payloads) {
                DataOutputSerializer out = new DataOutputSerializer(payload.length + 4);
                BytePrimitiveArraySerializer.INSTANCE.serialize(payload, out);
                entries.add(out.getCopyOfBuffer());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CollectCoordinationResponse(tag, step, entries);
    }

    private static CollectCoordinationResponse expect(CoordinationResponse response, String tag) {
        if (!(response instanceof CollectCoordinationResponse r) || !tag.equals(r.getVersion())) {
            throw new IllegalStateException("data-parallel trainer: expected a coordination response " + tag
                    + ", got " + response);
        }
        return r;
    }

    private static List<byte[]> payloads(CollectCoordinationResponse r) {
        try {
            return r.getResults(BytePrimitiveArraySerializer.INSTANCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
