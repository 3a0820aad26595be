package io.seedflow.connectors.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * The events source's starting offsets when a job starts without state: where the models' logs say training stopped
 * ({@link UpdatesTopicHistory#resumePoint}); partitions the logs say nothing of, and every partition when no model has
 * a log, start at the consumer group's committed offsets (earliest where there are none). Evaluated by the source's
 * enumerator on the JobManager, only for a fresh start (a restored source goes on from its checkpointed offsets), so
 * building the job needs no Kafka.
 */
public final class LogResumeOffsets implements OffsetsInitializer {
    private static final long serialVersionUID = 1L;
    private static final OffsetsInitializer COMMITTED = OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);

    private final UpdatesTopicHistory history;

    public LogResumeOffsets(UpdatesTopicHistory history) {
        this.history = history;
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(Collection<TopicPartition> partitions,
            PartitionOffsetsRetriever retriever) {
        Map<Integer, Long> resume = history.resumePoint().startOffsets();
        Map<TopicPartition, Long> offsets = new HashMap<>();
        List<TopicPartition> rest = new ArrayList<>();
        for (TopicPartition p : partitions) {
            Long at = resume.get(p.partition());
            if (at != null) {
                offsets.put(p, at);
            } else {
                rest.add(p);
            }
        }
        if (!rest.isEmpty()) {
            offsets.putAll(COMMITTED.getPartitionOffsets(rest, retriever));
        }
        return offsets;
    }

    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        return OffsetResetStrategy.EARLIEST;
    }
}
