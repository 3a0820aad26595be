package io.seedflow.connectors.kafka;

import io.seedflow.core.log.UpdateRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The updates topic's exactly-once {@link KafkaSink}, fenced against a second trainer of the same models
 * (docs/update-log-spec.md §7.4): every record it writes carries the job's id in a header, and before the records of
 * a checkpoint commit (after they were acknowledged, when Flink asks the writer for its committables) its
 * {@link LogWriterFence} reads what other writers appended; a writer that must stop fails the job without restarts,
 * so its transaction is never committed. Everything else (transactions, state, committer) is the Kafka sink's.
 */
public final class FencedUpdatesSink implements TwoPhaseCommittingStatefulSink<UpdateRecord, KafkaWriterState,
        KafkaCommittable>, SupportsPostCommitTopology<KafkaCommittable> {
    private static final long serialVersionUID = 1L;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaSink<UpdateRecord> sink;
    private final UpdatesTopicSerializationSchema<UpdateRecord> schema; // the same instance the sink serializes with
    private final String bootstrapServers;
    private final String topic;
    private final HashMap<String, String> registry;

    FencedUpdatesSink(KafkaSink<UpdateRecord> sink, UpdatesTopicSerializationSchema<UpdateRecord> schema,
            String bootstrapServers, String topic, Map<String, String> registry) {
        this.sink = sink;
        this.schema = schema;
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.registry = new HashMap<>(registry);
    }

    @Override
    public PrecommittingStatefulSinkWriter<UpdateRecord, KafkaWriterState, KafkaCommittable> createWriter(
            WriterInitContext context) throws IOException {
        String writer = writerId(context);
        return fenced(sink.createWriter(context), writer);
    }

    @Override
    public PrecommittingStatefulSinkWriter<UpdateRecord, KafkaWriterState, KafkaCommittable> restoreWriter(
            WriterInitContext context, Collection<KafkaWriterState> recoveredState) throws IOException {
        String writer = writerId(context);
        return fenced(sink.restoreWriter(context, recoveredState), writer);
    }

    /**
     * The job's id and the task's attempt: an attempt's records commit with its checkpoints or not at all, so the
     * fence counts only its own attempt's as its own (an earlier attempt's aborted records cannot make it go on).
     */
    private String writerId(WriterInitContext context) {
        String id = context.getJobInfo().getJobId() + "#" + context.getTaskInfo().getAttemptNumber();
        schema.writerId(id);
        return id;
    }

    /** The fence starts after the sink's writer aborted its earlier attempts' lingering transactions. */
    private Writer fenced(PrecommittingStatefulSinkWriter<UpdateRecord, KafkaWriterState, KafkaCommittable> w,
            String writer) {
        return new Writer(w, new LogWriterFence(bootstrapServers, topic, registry, writer, READ_TIMEOUT));
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context) throws IOException {
        return sink.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return sink.getWriterStateSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committables) {
        sink.addPostCommitTopology(committables);
    }

    /** The Kafka writer, telling the fence what it writes and asking it before each commit. */
    private static final class Writer
            implements PrecommittingStatefulSinkWriter<UpdateRecord, KafkaWriterState, KafkaCommittable> {
        private final PrecommittingStatefulSinkWriter<UpdateRecord, KafkaWriterState, KafkaCommittable> kafka;
        private final LogWriterFence fence;

        Writer(PrecommittingStatefulSinkWriter<UpdateRecord, KafkaWriterState, KafkaCommittable> kafka,
                LogWriterFence fence) {
            this.kafka = kafka;
            this.fence = fence;
        }

        @Override
        public void write(UpdateRecord record, Context context) throws IOException, InterruptedException {
            fence.wrote(record.modelId(), record.step());
            kafka.write(record, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            kafka.flush(endOfInput);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            kafka.writeWatermark(watermark);
        }

        /** Called after {@link #flush}: this checkpoint's records are on the topic, not yet committed. */
        @Override
        public Collection<KafkaCommittable> prepareCommit() throws IOException, InterruptedException {
            try {
                fence.check();
            } catch (io.seedflow.core.error.ForkedLogException e) {
                throw new SuppressRestartsException(e);
            }
            return kafka.prepareCommit();
        }

        @Override
        public List<KafkaWriterState> snapshotState(long checkpointId) throws IOException {
            return kafka.snapshotState(checkpointId);
        }

        @Override
        public void close() throws Exception {
            try {
                fence.close();
            } finally {
                kafka.close();
            }
        }
    }
}
