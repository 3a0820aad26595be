package io.seedflow.connectors.kafka;

import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogHistory;
import io.seedflow.core.log.ModelHistory;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's history as the committed updates topic holds it ({@link LogHistory}), and where the events consumer of a
 * job started without state resumes ({@link #resumePoint}): per events partition the first offset that no model
 * trained and that was not dead-lettered. The topics are read once per instance ({@code read_committed}, no consumer
 * group) and kept; a trainer subtask asks on the first event of each model it has no state for.
 */
public final class UpdatesTopicHistory implements LogHistory {
    private static final long serialVersionUID = 1L;
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration PROBE_WAIT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(UpdatesTopicHistory.class);

    private final String bootstrapServers;
    private final Map<String, String> registry;
    private final String updatesTopic;
    private final String eventsTopic;
    private final String deadLetterTopic;
    private final Map<String, String> consumerProperties;
    private transient Read read;

    /** Where a job started without state resumes reading events; empty offsets when no model has a log. */
    public record ResumePoint(Map<Integer, Long> startOffsets, Set<String> deadLettered) {
        /** The key of an event in {@link #deadLettered}. */
        public static String key(String topic, int partition, long offset) {
            return topic + "/" + partition + "@" + offset;
        }
    }

    public UpdatesTopicHistory(String bootstrapServers, RegistryClientOptions registry, String updatesTopic,
            String eventsTopic, String deadLetterTopic, Map<String, String> consumerProperties) {
        this.bootstrapServers = bootstrapServers;
        this.registry = RegistrySettings.toMap(registry);
        this.updatesTopic = updatesTopic;
        this.eventsTopic = eventsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.consumerProperties = new HashMap<>(consumerProperties);
    }

    /**
     * {@inheritDoc} After a rollback (docs/update-log-spec.md §11) the trainer's history starts afresh: the records at
     * or before the newest rollback up to the snapshot are not part of it.
     */
    @Override
    public Optional<ModelHistory> of(String modelId, int historySteps) {
        Read r = read();
        List<Positioned<UpdateRecord>> records = r.records.getOrDefault(modelId, List.of());
        List<Positioned<SnapshotAnnouncement>> announced = r.announcements.getOrDefault(modelId, List.of());
        if (records.isEmpty() && announced.isEmpty()) {
            return Optional.empty();
        }
        long lastStep = lastStep(modelId).orElse(0);
        Positioned<SnapshotAnnouncement> newest = newestAnnounced(announced, lastStep);
        if (newest == null) {
            throw new SeedFlowException("model '" + modelId + "' has records up to step " + lastStep + " on topic "
                    + updatesTopic + " but no announced snapshot to continue from; restore its trainer from a "
                    + "checkpoint or savepoint, or give the model a new id");
        }
        long snapshotStep = newest.entry().step;
        long[] rollbackSteps = r.rollbacks.getOrDefault(modelId, List.of()).stream().mapToLong(p -> p.entry().step())
                .toArray();
        long rolledBackAt = java.util.Arrays.stream(rollbackSteps).filter(step -> step <= snapshotStep).max()
                .orElse(0);
        if (java.util.Arrays.stream(rollbackSteps).anyMatch(step -> step > snapshotStep)) {
            throw new SeedFlowException("model '" + modelId + "': the log on topic " + updatesTopic + " has a "
                    + "rollback after its newest announced snapshot (step " + snapshotStep + "); the rollback's own "
                    + "announcement is missing: run seedflow audit");
        }
        List<UpdateRecord> replay = line(modelId, Math.max(snapshotStep - historySteps, rolledBackAt), Long.MAX_VALUE,
                "after its snapshot of step " + snapshotStep);
        List<Lineage> trained = new ArrayList<>();
        for (Positioned<UpdateRecord> p : records) {
            for (Lineage l : p.entry().lineage()) {
                if (l.source().equals(eventsTopic) && l.untilOffset() > r.events().start.getOrDefault(l.partition(), 0L)) {
                    trained.add(l);
                }
            }
        }
        return Optional.of(new ModelHistory(modelId, newest.entry(), replay, lastStep, Lineage.merged(trained),
                r.newestSeals.get(modelId)));
    }

    /**
     * What rebuilds version {@code version} of {@code modelId}: the newest announced snapshot at or before it and the
     * records after that snapshot up to it (what a rollback to it loads, docs/update-log-spec.md §11), with the log's
     * last step and newest seal.
     *
     * @throws SeedFlowException if the log has no such version, or no snapshot announced at or before it
     */
    public ModelHistory versionOf(String modelId, long version) {
        long lastStep = lastStep(modelId).orElse(0);
        if (version < 0 || version > lastStep) {
            throw new SeedFlowException("model '" + modelId + "' has no version " + version + " on topic "
                    + updatesTopic + ": its log has versions 0.." + lastStep);
        }
        Positioned<SnapshotAnnouncement> newest = newestAnnounced(
                read().announcements.getOrDefault(modelId, List.of()), version);
        if (newest == null) {
            throw new SeedFlowException("model '" + modelId + "': no snapshot at or before version " + version
                    + " is announced on topic " + updatesTopic + " (the oldest went with retention?): its weights "
                    + "cannot be rebuilt");
        }
        long from = newest.entry().step;
        return new ModelHistory(modelId, newest.entry(), line(modelId, from, version, "between its snapshot of step "
                + from + " and version " + version), lastStep, List.of(), read().newestSeals.get(modelId));
    }

    /** The newest announcement at or before {@code step}: of two of one step, the later on the topic. */
    private static Positioned<SnapshotAnnouncement> newestAnnounced(List<Positioned<SnapshotAnnouncement>> announced,
            long step) {
        Positioned<SnapshotAnnouncement> newest = null;
        for (Positioned<SnapshotAnnouncement> a : announced) { // topic order: the later of equal steps wins
            if (a.entry().step <= step && (newest == null || a.entry().step >= newest.entry().step)) {
                newest = a;
            }
        }
        return newest;
    }

    /** The records of steps {@code after + 1 .. until} in topic order, which must be one line of steps. */
    private List<UpdateRecord> line(String modelId, long after, long until, String where) {
        List<UpdateRecord> line = new ArrayList<>();
        for (Positioned<UpdateRecord> p : read().records.getOrDefault(modelId, List.of())) {
            if (p.entry().step() > after && p.entry().step() <= until) {
                UpdateRecord prev = line.isEmpty() ? null : line.get(line.size() - 1);
                if (prev != null && p.entry().step() != prev.step() + 1) {
                    throw new SeedFlowException("model '" + modelId + "': the log on topic " + updatesTopic + " is not "
                            + "one line of steps " + where + " (step " + p.entry().step() + " at offset "
                            + p.offset() + " follows step " + prev.step() + "); it cannot be continued: run "
                            + "seedflow audit");
                }
                line.add(p.entry());
            }
        }
        return line;
    }

    /** The newest step of the model's log, a record's or a rollback's. */
    @Override
    public java.util.OptionalLong lastStep(String modelId) {
        Read r = read();
        return java.util.stream.Stream.concat(
                r.records.getOrDefault(modelId, List.of()).stream().map(p -> p.entry().step()),
                r.rollbacks.getOrDefault(modelId, List.of()).stream().map(p -> p.entry().step()))
                .mapToLong(Long::longValue).max();
    }

    @Override
    public Optional<UpdateRecord> recordAt(String modelId, long step) {
        return read().records.getOrDefault(modelId, List.of()).stream().map(Positioned::entry)
                .filter(r -> r.step() == step).findFirst();
    }

    @Override
    public Optional<LogSeal> newestSeal(String modelId) {
        return Optional.ofNullable(read().newestSeals.get(modelId));
    }

    @Override
    public Optional<ModelRollback> rollbackAt(String modelId, long step) {
        return read().rollbacks.getOrDefault(modelId, List.of()).stream().map(Positioned::entry)
                .filter(r -> r.step() == step).findFirst();
    }

    /** Where the events consumer resumes; computed with the histories, from the same read of the topics. */
    public ResumePoint resumePoint() {
        Read r = read();
        Events e = r.events();
        return new ResumePoint(Map.copyOf(r.records.isEmpty() ? Map.of() : e.start), Set.copyOf(e.deadLettered));
    }

    private record Positioned<T>(long offset, T entry) {
    }

    private Read read() {
        if (read == null) {
            read = new Read();
        }
        return read;
    }

    /** One read of the updates topic (every model); the dead letters and events only when asked for. */
    private final class Read {
        final Map<String, List<Positioned<UpdateRecord>>> records = new HashMap<>();
        final Map<String, List<Positioned<SnapshotAnnouncement>>> announcements = new HashMap<>();
        final Map<String, List<Positioned<ModelRollback>>> rollbacks = new HashMap<>();
        final Map<String, LogSeal> newestSeals = new HashMap<>();
        /** Per events partition: the offsets the records' lineage accounts for. */
        final Map<Integer, List<long[]>> accounted = new TreeMap<>();
        private Events events;

        Read() {
            try (ConfluentRegistryClient client = ConfluentRegistryClient.create(RegistrySettings.fromMap(registry));
                    TopicScan scan = scan(updatesTopic)) {
                UpdatesTopic.Reader reader = new UpdatesTopic.Reader(client);
                scan.readToEnd(r -> {
                    if (r.value() == null) {
                        return;
                    }
                    UpdatesTopic.Entry e;
                    try {
                        e = reader.read(r.value());
                    } catch (SeedFlowException unreadable) { // not an entry a trainer could continue from
                        LOG.warn("{}/{} offset {}: passed over while reading the models' histories: {}",
                                updatesTopic, r.partition(), r.offset(), unreadable.getMessage());
                        return;
                    }
                    if (e.update() != null) {
                        records.computeIfAbsent(e.modelId(), k -> new ArrayList<>())
                                .add(new Positioned<>(r.offset(), e.update()));
                        for (Lineage l : e.update().lineage()) {
                            if (l.source().equals(eventsTopic)) {
                                OffsetRuns.add(accounted.computeIfAbsent(l.partition(), p -> new ArrayList<>()),
                                        l.fromOffset(), l.untilOffset());
                            }
                        }
                    } else if (e.rollback() != null) {
                        rollbacks.computeIfAbsent(e.modelId(), k -> new ArrayList<>())
                                .add(new Positioned<>(r.offset(), e.rollback()));
                    } else if (e.seal() != null) {
                        newestSeals.merge(e.modelId(), e.seal(), (a, b) -> b.step >= a.step ? b : a);
                    } else if (e.announcement() != null) {
                        announcements.computeIfAbsent(e.modelId(), k -> new ArrayList<>())
                                .add(new Positioned<>(r.offset(), e.announcement()));
                    }
                });
            }
        }

        /** Where the events resume, and what was dead-lettered after that: read on the first call. */
        Events events() {
            if (events == null) {
                events = new Events(accounted);
            }
            return events;
        }
    }

    /** Per events partition: the first offset neither trained nor dead-lettered, and the dead letters after it. */
    private final class Events {
        final Map<Integer, Long> start = new TreeMap<>();
        final Set<String> deadLettered = new HashSet<>();

        Events(Map<Integer, List<long[]>> trained) {
            if (eventsTopic == null) {
                return;
            }
            Map<Integer, List<long[]>> accounted = new TreeMap<>();
            trained.forEach((p, runs) -> accounted.put(p, new ArrayList<>(runs)));
            Map<Integer, List<Long>> dead = new TreeMap<>();
            if (deadLetterTopic != null) {
                try (TopicScan scan = scan(deadLetterTopic)) {
                    scan.readToEnd(r -> DeadLetterSerializationSchema.sourceOf(r)
                            .filter(src -> src.topic().equals(eventsTopic)).ifPresent(src -> {
                                dead.computeIfAbsent(src.partition(), k -> new ArrayList<>()).add(src.offset());
                                OffsetRuns.add(accounted.computeIfAbsent(src.partition(), k -> new ArrayList<>()),
                                        src.offset(), src.offset() + 1);
                            }));
                }
            }
            firstUnaccounted(accounted);
            dead.forEach((p, offsets) -> offsets.stream().filter(o -> o >= start.getOrDefault(p, 0L))
                    .forEach(o -> deadLettered.add(ResumePoint.key(eventsTopic, p, o))));
        }

        /**
         * Per partition, from its first held offset: skips accounted runs, probing the topic at the end of each for
         * the next offset it holds (a transaction marker or a compacted record leaves a hole no model trained).
         */
        private void firstUnaccounted(Map<Integer, List<long[]>> accounted) {
            Properties p = TopicScan.consumerProperties(bootstrapServers, "seedflow-resume-probe", consumerProperties);
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                for (var info : c.partitionsFor(eventsTopic, POLL.multipliedBy(20))) {
                    TopicPartition tp = new TopicPartition(eventsTopic, info.partition());
                    c.assign(List.of(tp));
                    long end = c.endOffsets(List.of(tp)).get(tp);
                    long u = c.beginningOffsets(List.of(tp)).get(tp);
                    List<long[]> runs = accounted.getOrDefault(info.partition(), List.of());
                    while (true) {
                        long[] run = OffsetRuns.containing(runs, u);
                        if (run == null || u >= end) {
                            break;
                        }
                        u = nextHeld(c, tp, run[1], end);
                    }
                    start.put(info.partition(), u);
                }
            }
        }

        /**
         * The first offset at or after {@code from} that the partition holds, or {@code end}; {@code from} itself if
         * the partition gives nothing within {@link #PROBE_WAIT} (resuming earlier only reads again what is dropped).
         */
        private long nextHeld(KafkaConsumer<byte[], byte[]> c, TopicPartition tp, long from, long end) {
            if (from >= end) {
                return end;
            }
            c.seek(tp, from);
            long deadline = System.nanoTime() + PROBE_WAIT.toNanos();
            while (c.position(tp) < end) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("{}/{}: nothing read at offset {} within {}; resuming there", eventsTopic,
                            tp.partition(), from, PROBE_WAIT);
                    return from;
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                    return r.offset();
                }
            }
            return end;
        }
    }

    private TopicScan scan(String topic) {
        return new TopicScan(bootstrapServers, topic, "seedflow-log-history", consumerProperties, POLL,
                POLL.multipliedBy(20));
    }
}
