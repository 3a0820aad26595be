package io.seedflow.connectors.replica;

import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.UnknownLogContextException;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots the trainer announced on the updates topic ({@link SnapshotAnnouncement} entries). Each call reads the
 * topic ({@code read_committed}) from where the previous call stopped up to its current end, keeps every
 * announcement of the model, then loads the newest one whose file can be fetched and verified (SHA-256 of the
 * bytes, model id, step and weights hash must all match the announcement); a snapshot that fails is logged and
 * passed over for the next newest. Files are fetched by {@link SnapshotFetcher}. Not thread-safe: the subscriber
 * calls it from its own thread only.
 */
public final class AnnouncedSnapshotSource implements SnapshotSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnnouncedSnapshotSource.class);

    private final String bootstrapServers;
    private final String topic;
    private final RegistryClientOptions registryOptions;
    private final SnapshotFetcher fetcher;
    private final Duration pollTimeout;
    private final Map<String, List<SnapshotAnnouncement>> announcements = new HashMap<>();
    private ConfluentRegistryClient registry;
    private UpdatesTopic.Reader reader;
    private KafkaConsumer<byte[], byte[]> consumer;

    public AnnouncedSnapshotSource(String bootstrapServers, String topic, RegistryClientOptions registry,
            SnapshotFetcher fetcher, Duration pollTimeout) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.registryOptions = registry;
        this.fetcher = fetcher;
        this.pollTimeout = pollTimeout;
    }

    @Override
    public Optional<Snapshot> newest(String modelId) {
        readToEnd();
        List<SnapshotAnnouncement> candidates = new ArrayList<>(announcements.getOrDefault(modelId, List.of()));
        candidates.sort(Comparator.comparingLong((SnapshotAnnouncement a) -> a.step).reversed());
        for (SnapshotAnnouncement a : candidates) {
            try {
                return Optional.of(load(a));
            } catch (SnapshotIntegrityException e) {
                LOG.warn("passing over announced snapshot {} (model '{}' step {}): {}", a.uri, a.modelId, a.step,
                        e.getMessage());
            }
        }
        return Optional.empty();
    }

    private Snapshot load(SnapshotAnnouncement a) {
        Snapshot s = fetcher.fetch(a.uri, a.sha256);
        if (!a.modelId.equals(s.modelId()) || a.step != s.step()
                || !a.weightsSha256.equals(s.parameters().weightsSha256())) {
            throw new SnapshotIntegrityException("snapshot " + a.uri + " holds model '" + s.modelId() + "' step "
                    + s.step() + " weights " + s.parameters().weightsSha256() + " but was announced as model '"
                    + a.modelId + "' step " + a.step + " weights " + a.weightsSha256);
        }
        return s;
    }

    private void readToEnd() {
        if (consumer == null) {
            open();
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        while (!reached(end)) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(pollTimeout)) {
                if (r.value() == null) {
                    continue;
                }
                try {
                    UpdatesTopic.Entry e = reader.read(r.value());
                    if (e.announcement() != null) {
                        announcements.computeIfAbsent(e.modelId(), k -> new ArrayList<>()).add(e.announcement());
                    }
                } catch (UnknownLogContextException e) {
                    // an update record whose context went with retention: nothing to do with announcements
                } catch (WireFormatException e) {
                    LOG.warn("skipping undecodable value at {}-{}@{} while looking for snapshot announcements: {}",
                            r.topic(), r.partition(), r.offset(), e.getMessage());
                }
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void open() {
        registry = ConfluentRegistryClient.create(registryOptions);
        reader = new UpdatesTopic.Reader(registry);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "seedflow-snapshot-announcements");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<PartitionInfo> infos = consumer.partitionsFor(topic, pollTimeout.multipliedBy(50));
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo i : infos == null ? List.<PartitionInfo>of() : infos) {
            partitions.add(new TopicPartition(topic, i.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    @Override
    public String location() {
        return "announcements on topic " + topic + " at " + bootstrapServers;
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close();
            consumer = null;
        }
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }
}
