package io.seedflow.jobs.embedded;

import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.connectors.kafka.UpdatesTopic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the streaming job from the outside, for the demo's status line: how far the trainer is and what the
 * dead-letter topic received.
 *
 * <p>The updates topic is read with {@code isolation.level=read_uncommitted}: the trainer's exactly-once sink writes
 * each step's record at once but commits it only on the next checkpoint, and replicas (which read committed) see it
 * only then. The newest step seen here is therefore the trainer's own position, and the difference to a replica's
 * version is the replica's lag, checkpoint interval included. For each step the monitor keeps the last event offset
 * it trained on and the trainer's clock, so a replica's version can be turned into "how old is the newest event this
 * model learned from, and it sums the events the steps trained on (each step counted once). Of the snapshot
 * announcements on the updates topic it keeps the newest few by step (the base snapshot is step 0).
 *
 * <p>The dead-letter topic is read committed, counted by reason (the record key).
 */
public final class PipelineMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineMonitor.class);
    private static final int STEPS_KEPT = 100_000;
    private static final int ANNOUNCEMENTS_KEPT = 16;

    /** What the trainer's record of one step says. */
    public record StepInfo(long step, long lastEventOffset, long trainerTimeMillis) {
    }

    private final String bootstrapServers;
    private final RegistryClientOptions registry;
    private final String updatesTopic;
    private final String deadLetterTopic;
    private final String modelId;
    private final Thread thread;
    private final AtomicLong trainerStep = new AtomicLong(-1);
    private final AtomicLong eventsTrained = new AtomicLong();
    private final ConcurrentSkipListMap<Long, SnapshotAnnouncement> announcements = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Long, StepInfo> steps = new ConcurrentSkipListMap<>();
    private final AtomicLong deadLettered = new AtomicLong();
    private final Map<String, Long> deadLettersByReason = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> error = new AtomicReference<>();
    private volatile boolean closing;
    private volatile KafkaConsumer<byte[], byte[]> updatesConsumer;
    private volatile KafkaConsumer<byte[], byte[]> deadLetterConsumer;

    private PipelineMonitor(String bootstrapServers, RegistryClientOptions registry, String updatesTopic,
            String deadLetterTopic, String modelId) {
        this.bootstrapServers = bootstrapServers;
        this.registry = registry;
        this.updatesTopic = updatesTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.modelId = modelId;
        this.thread = new Thread(this::run, "seedflow-pipeline-monitor");
        this.thread.setDaemon(true);
    }

    /** Starts watching {@code updatesTopic} (records of {@code modelId}) and {@code deadLetterTopic} (partition 0). */
    public static PipelineMonitor start(String bootstrapServers, RegistryClientOptions registry, String updatesTopic,
            String deadLetterTopic, String modelId) {
        PipelineMonitor m = new PipelineMonitor(bootstrapServers, registry, updatesTopic, deadLetterTopic, modelId);
        m.thread.start();
        return m;
    }

    /** The newest step the trainer wrote (committed or not yet), -1 before the first. */
    public long trainerStep() {
        return trainerStep.get();
    }

    /** Events the trainer's steps trained on (the steps seen so far, each counted once). */
    public long eventsTrained() {
        return eventsTrained.get();
    }

    /** The announcement of the trainer's snapshot of {@code step}, if the monitor saw it (0 = the base snapshot). */
    public Optional<SnapshotAnnouncement> announcement(long step) {
        return Optional.ofNullable(announcements.get(step));
    }

    /** What the trainer's record of {@code step} says, if the monitor saw it (and still keeps it). */
    public Optional<StepInfo> step(long step) {
        return Optional.ofNullable(steps.get(step));
    }

    /** Committed dead letters so far. */
    public long deadLettered() {
        return deadLettered.get();
    }

    /** Committed dead letters by reason, sorted by reason. */
    public Map<String, Long> deadLettersByReason() {
        return new TreeMap<>(deadLettersByReason);
    }

    /** The error that stopped the monitor's thread, if any. */
    public Optional<Exception> error() {
        return Optional.ofNullable(error.get());
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        for (KafkaConsumer<byte[], byte[]> c : new KafkaConsumer[] {updatesConsumer, deadLetterConsumer}) {
            if (c != null) {
                c.wakeup();
            }
        }
        thread.join();
    }

    private void run() {
        try (ConfluentRegistryClient client = ConfluentRegistryClient.create(registry);
                KafkaConsumer<byte[], byte[]> updates = consumer("read_uncommitted");
                KafkaConsumer<byte[], byte[]> deadLetters = consumer("read_committed")) {
            updatesConsumer = updates;
            deadLetterConsumer = deadLetters;
            UpdatesTopic.Reader reader = new UpdatesTopic.Reader(client);
            assignFromBeginning(updates, updatesTopic);
            assignFromBeginning(deadLetters, deadLetterTopic);
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> r : updates.poll(Duration.ofMillis(100))) {
                    onUpdate(reader, r);
                }
                for (ConsumerRecord<byte[], byte[]> r : deadLetters.poll(Duration.ofMillis(100))) {
                    String reason = r.key() == null ? "?" : new String(r.key(), StandardCharsets.UTF_8);
                    deadLettersByReason.merge(reason, 1L, Long::sum);
                    deadLettered.incrementAndGet();
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                error.compareAndSet(null, e);
            }
        } catch (Exception e) {
            error.compareAndSet(null, e);
            LOG.warn("pipeline monitor stopped: {}", e.toString());
        }
    }

    private void onUpdate(UpdatesTopic.Reader reader, ConsumerRecord<byte[], byte[]> r) {
        UpdatesTopic.Entry entry = reader.read(r.value());
        SnapshotAnnouncement a = entry.announcement();
        if (a != null && modelId.equals(a.modelId)) {
            announcements.put(a.step, a);
            if (announcements.size() > ANNOUNCEMENTS_KEPT) {
                announcements.remove(announcements.ceilingKey(1L)); // keeps the base snapshot, step 0
            }
            return;
        }
        UpdateRecord u = entry.update();
        if (u == null || !modelId.equals(u.modelId())) { // another model
            return;
        }
        long lastOffset = -1;
        for (Lineage l : u.lineage()) {
            lastOffset = Math.max(lastOffset, l.untilOffset() - 1);
        }
        if (steps.put(u.step(), new StepInfo(u.step(), lastOffset, u.trainerTimeMillis())) == null) {
            eventsTrained.addAndGet(u.eventCount());
        }
        trainerStep.accumulateAndGet(u.step(), Math::max);
        if (u.step() % 10_000 == 0) {
            steps.headMap(u.step() - STEPS_KEPT).clear();
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer(String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "seedflow-demo-monitor-" + isolation);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static void assignFromBeginning(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<TopicPartition> tps = List.of(new TopicPartition(topic, 0));
        c.assign(tps);
        c.seekToBeginning(tps);
    }
}
