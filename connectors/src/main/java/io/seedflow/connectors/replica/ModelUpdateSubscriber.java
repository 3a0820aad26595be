package io.seedflow.connectors.replica;

import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.seal.VerifiedLog;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.error.UnknownLogContextException;
import io.seedflow.core.error.UpdateLogGapException;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.LogStep;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.tensor.ParameterSet;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica that follows a model's updates topic (plain Kafka consumer, no Flink) and holds the same weights as the
 * trainer, bit for bit (docs/update-log-spec.md §5, §7).
 *
 * <p>On {@link #start()} its thread bootstraps from the newest snapshot of the model in the {@link SnapshotSource},
 * then reads the updates topic from the beginning of every partition ({@code isolation.level=read_committed}, no
 * consumer group, no offset commits), decodes each value from the Confluent wire format, ignores records of other
 * models (by the Kafka key, the model id, where there is one, and by the decoded record) and records already contained
 * in the snapshot ({@code step <=} the snapshot's step), and applies the rest strictly in step order through core's
 * {@link Replica}. A compact (format 4) record whose log context the topic no longer holds (retention) is passed over
 * when its step is in the snapshot; one that is needed is handled like a gap (re-bootstrap from a snapshot that holds
 * its step, else stop with the {@link UnknownLogContextException}); spec §4.1: the record after a snapshot always
 * carries its context.
 *
 * <p>A gap ({@link UpdateLogGapException}) makes it re-bootstrap from the newest snapshot: if that snapshot holds
 * every missing step (its step {@code >=} the gap's last missing step) it continues from there; otherwise it reports
 * the gap to the listeners and stops applying, with the version left before the gap. It never skips a record. Any
 * other failure (a refused record, a Kafka, registry or snapshot error, a listener that throws) also stops it.
 * The error is passed to {@link ModelListener#onError}, stored, and rethrown on the caller's thread by
 * {@link #checkError()} and {@link #close()}.
 *
 * <p>Given the trainer's public key ({@link Builder#verifyKey}), it verifies a signed log (docs/update-log-spec.md
 * §10): it bootstraps only from announcements whose signature verifies, holds the records back until a seal the
 * trainer signed vouches for the chain over them ({@link VerifiedLog}), and stops at anything that does not verify
 * ({@link LogVerificationException}), keeping the last verified version.
 */
public final class ModelUpdateSubscriber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelUpdateSubscriber.class);

    private final Builder config;
    private final List<ModelListener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicReference<Exception> error = new AtomicReference<>();
    private final Object versionMonitor = new Object();
    private final Thread thread;

    private volatile boolean closing;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private boolean started;
    private boolean closed;

    // written by the subscriber thread under the write lock, so that a reader inside read() sees the values of the
    // weights it reads
    private Replica replica;
    private volatile long version = -1;
    private volatile long bootstrapStep = -1;
    private volatile String snapshotId;
    private volatile String modelSpec;
    private volatile boolean running;
    private volatile long lastTrainerTimeMillis = -1;
    private volatile long announcedStep = -1;
    private volatile long newestStep = -1;
    private VerifiedLog verified; // with a public key only: the records held back until a seal verifies them

    private ModelUpdateSubscriber(Builder b) {
        this.config = b;
        this.listeners.addAll(b.listeners);
        this.thread = new Thread(this::run, "seedflow-replica-" + b.modelId);
        this.thread.setDaemon(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Adds a listener; add listeners before {@link #start()} to see every event. */
    public ModelUpdateSubscriber addListener(ModelListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Starts the subscriber's thread. */
    public synchronized ModelUpdateSubscriber start() {
        if (closed) {
            throw new IllegalStateException("subscriber for model '" + config.modelId + "' is closed");
        }
        if (started) {
            throw new IllegalStateException("subscriber for model '" + config.modelId + "' is already started");
        }
        started = true;
        running = true;
        thread.start();
        return this;
    }

    public String modelId() {
        return config.modelId;
    }

    /**
     * The step the weights are at; -1 before the first bootstrap. Called inside {@link #read}, it is the version of
     * the weights the reader sees (it changes only under the write lock), as are {@link #snapshotId()},
     * {@link #bootstrapStep()} and {@link #modelSpec()}.
     */
    public long version() {
        return version;
    }

    /** The id (SHA-256) of the snapshot the subscriber last bootstrapped from, or null before that. */
    public String snapshotId() {
        return snapshotId;
    }

    /** The step of the snapshot the subscriber last bootstrapped from; -1 before that. */
    public long bootstrapStep() {
        return bootstrapStep;
    }

    /**
     * When the trainer made the newest applied record (its {@code trainerTimeMillis}); -1 before the first. The
     * difference to now is the replica's freshness lag behind the trainer.
     */
    public long lastTrainerTimeMillis() {
        return lastTrainerTimeMillis;
    }

    /**
     * The newest step of this model the subscriber has seen on the topic (a record or an announcement), applied or
     * not; -1 if none. Minus {@link #version()}, the steps it is behind the log it has read.
     */
    public long newestStep() {
        return Math.max(newestStep, version);
    }

    /** The step of the newest snapshot announced for this model on the topic so far; -1 if none seen. */
    public long announcedStep() {
        return announcedStep;
    }

    /**
     * The model spec text ({@code seedflow.model-spec}, e.g. {@code mlp:784x64x10:relu}) of the snapshot the
     * subscriber last bootstrapped from, or null before that; empty if the snapshot carries none.
     */
    public String modelSpec() {
        return modelSpec;
    }

    /** Whether the subscriber's thread still follows the topic (false after an error or close). */
    public boolean isRunning() {
        return running;
    }

    /** A copy of the current weights, consistent with {@link #version()} at the time of the copy. */
    public Optional<ParameterSet> weights() {
        return read(ParameterSet::copy);
    }

    /** Calls {@code reader} on the live weights with a read lock held (no update is applied meanwhile). */
    public <R> Optional<R> read(Function<ParameterSet, R> reader) {
        lock.readLock().lock();
        try {
            return replica == null ? Optional.empty() : Optional.ofNullable(reader.apply(replica.parameters()));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** SHA-256 of the current weights (as {@link ParameterSet#weightsSha256()}), or null before bootstrap. */
    public String weightsSha256() {
        return read(ParameterSet::weightsSha256).orElse(null);
    }

    /**
     * Waits until the version is at least {@code target}; returns false on timeout or when the subscriber stopped
     * below it. Rethrows a stored error (as {@link #checkError()}).
     */
    public boolean awaitVersion(long target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (versionMonitor) {
            while (version < target && running) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(versionMonitor, left);
            }
        }
        checkError();
        return version >= target;
    }

    /** Rethrows, on the caller's thread, the error that stopped the subscriber's thread, if any. */
    public void checkError() {
        Exception e = error.get();
        if (e == null) {
            return;
        }
        if (e instanceof RuntimeException re) {
            throw re;
        }
        throw new IllegalStateException("subscriber for model '" + config.modelId + "' failed: " + e.getMessage(), e);
    }

    /** The error that stopped the subscriber, without throwing it. */
    public Optional<Exception> error() {
        return Optional.ofNullable(error.get());
    }

    /**
     * Stops the thread and waits for it; idempotent. The first call rethrows the error that stopped the thread, if
     * any.
     */
    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closing = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (started) {
            thread.join(); // wakeup() ends a poll at once; no interrupt, which would break the consumer's close
        }
        checkError();
    }

    // ---------------------------------------------------------------------------------------- subscriber thread

    private void run() {
        try (ConfluentRegistryClient registry = ConfluentRegistryClient.create(config.registry);
                KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties(),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            UpdatesTopic.Reader reader = new UpdatesTopic.Reader(registry);
            byte[] key = config.modelId.getBytes(StandardCharsets.UTF_8);
            if (closing) {
                return;
            }
            Snapshot first = awaitFirstSnapshot();
            if (first == null) {
                return; // closed while waiting
            }
            bootstrap(first);
            assignFromBeginning(c);
            while (!closing) {
                ConsumerRecords<byte[], byte[]> records = c.poll(config.pollTimeout);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (closing) {
                        return;
                    }
                    if (r.value() == null || (r.key() != null && !Arrays.equals(key, r.key()))) {
                        continue; // a tombstone, or another model's entry
                    }
                    UpdatesTopic.Entry entry;
                    try {
                        entry = reader.read(r.value());
                    } catch (UnknownLogContextException e) {
                        if (e.step() <= bootstrapStep || rebootstrapPast(e)) {
                            continue; // its context went with retention or a gap; a snapshot holds its step
                        }
                        throw e;
                    }
                    if (entry.seal() != null) {
                        if (verified != null && config.modelId.equals(entry.modelId())) {
                            newestStep = Math.max(newestStep, entry.seal().step);
                            verified.offer(entry.seal()).forEach(this::applyLocked);
                        }
                    } else if (entry.announcement() != null) {
                        if (config.modelId.equals(entry.modelId())) {
                            announcedStep = Math.max(announcedStep, entry.announcement().step);
                            newestStep = Math.max(newestStep, announcedStep);
                        }
                    } else {
                        LogStep step = entry.step(); // a record, or a rollback (docs/update-log-spec.md §11)
                        if (config.modelId.equals(step.modelId())) {
                            newestStep = Math.max(newestStep, step.step());
                        }
                        if (!offer(step)) {
                            return;
                        }
                    }
                }
            }
        } catch (WakeupException | InterruptedException e) {
            if (!closing) {
                fail(e);
            }
        } catch (Exception e) {
            if (!closing || !(e.getCause() instanceof InterruptedException)) {
                fail(e);
            }
        } catch (Error e) {
            fail(new IllegalStateException("subscriber thread of model '" + config.modelId + "' died: " + e, e));
            throw e;
        } finally {
            consumer = null;
            running = false;
            if (config.ownedSource != null) {
                config.ownedSource.close();
            }
            synchronized (versionMonitor) {
                versionMonitor.notifyAll();
            }
        }
    }

    /** Applies one step if it is due; returns false if the subscriber must stop (the error is already stored). */
    private boolean offer(LogStep r) {
        if (!config.modelId.equals(r.modelId())) {
            return true; // another model on the same topic
        }
        if (r.step() <= bootstrapStep) {
            return true; // already contained in the snapshot we bootstrapped from
        }
        try {
            accept(r);
        } catch (UpdateLogGapException gap) {
            // steps gap.expectedStep() .. gap.foundStep()-1 are missing; a snapshot must hold all of them
            long lastMissing = gap.foundStep() - 1;
            Optional<Snapshot> s = config.snapshots.newest(config.modelId);
            if (s.isEmpty() || s.get().step() < lastMissing) {
                LOG.warn("model '{}': {}; newest snapshot in {} is {}: stopping", config.modelId, gap.getMessage(),
                        config.snapshots.location(), s.map(x -> "at step " + x.step()).orElse("none"));
                fail(gap);
                return false;
            }
            LOG.info("model '{}': {}; re-bootstrapping from snapshot {} at step {}", config.modelId, gap.getMessage(),
                    s.get().sha256(), s.get().step());
            bootstrap(s.get());
            if (r.step() > bootstrapStep) {
                accept(r); // r.step() == bootstrapStep + 1 here
            }
        }
        return true;
    }

    /** Applies {@code r} now, or, verifying the log, holds it until a seal verifies it (and applies what that frees). */
    private void accept(LogStep r) {
        if (verified == null) {
            applyLocked(r);
        } else {
            verified.offer(r).forEach(this::applyLocked);
        }
    }

    /**
     * After a needed record whose log context is unknown (the record that defined it is missing): re-bootstraps from
     * the newest snapshot if that holds the record's step, as after a gap; returns whether it did.
     */
    private boolean rebootstrapPast(UnknownLogContextException e) {
        Optional<Snapshot> s = config.snapshots.newest(config.modelId);
        if (s.isEmpty() || s.get().step() < e.step()) {
            return false;
        }
        LOG.info("model '{}': {}; re-bootstrapping from snapshot {} at step {}", config.modelId, e.getMessage(),
                s.get().sha256(), s.get().step());
        bootstrap(s.get());
        return true;
    }

    private void applyLocked(LogStep step) {
        if (step instanceof ModelRollback r) {
            rollBack(r);
            return;
        }
        UpdateRecord r = (UpdateRecord) step;
        long v;
        long nanos;
        lock.writeLock().lock();
        try {
            long start = System.nanoTime();
            replica.apply(r);
            nanos = System.nanoTime() - start;
            v = replica.version();
            lastTrainerTimeMillis = r.trainerTimeMillis();
            version = v;
        } finally {
            lock.writeLock().unlock();
        }
        notifyVersion();
        for (ModelListener l : listeners) {
            l.onApplied(v, nanos);
        }
        notifyUpdated(v);
    }

    /**
     * A rollback (docs/update-log-spec.md §11): the weights of the snapshot it names, checked against it, become the
     * next version; fetched before the lock, so serving goes on meanwhile.
     */
    private void rollBack(ModelRollback r) {
        long start = System.nanoTime();
        Snapshot holding = config.snapshots.named(r.snapshotUri(), r.snapshotSha256());
        long v;
        lock.writeLock().lock();
        try {
            replica = replica.rolledBack(r, holding);
            snapshotId = holding.sha256();
            v = replica.version();
            version = v;
        } finally {
            lock.writeLock().unlock();
        }
        LOG.info("model '{}': rolled back to the weights of version {} at step {} (steps {}..{} undone{})",
                config.modelId, r.toVersion(), r.step(), r.firstUndone(), r.step() - 1,
                r.reason().isEmpty() ? "" : ": " + r.reason());
        notifyVersion();
        long nanos = System.nanoTime() - start;
        for (ModelListener l : listeners) {
            l.onRolledBack(r);
            l.onApplied(v, nanos);
        }
        notifyUpdated(v);
    }

    private void notifyUpdated(long v) {
        lock.readLock().lock();
        try {
            for (ModelListener l : listeners) {
                l.onUpdate(v, replica.parameters());
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The newest snapshot, waiting up to the bootstrap timeout for the first one (a replica may start before its
     * trainer); null if closed meanwhile.
     */
    private Snapshot awaitFirstSnapshot() throws InterruptedException {
        long deadline = System.nanoTime() + config.bootstrapTimeout.toNanos();
        while (!closing) {
            Optional<Snapshot> s = config.snapshots.newest(config.modelId);
            if (s.isPresent()) {
                return s.get();
            }
            if (System.nanoTime() >= deadline) {
                throw new NoSnapshotAvailableException("no snapshot of model '" + config.modelId + "' in "
                        + config.snapshots.location() + " to bootstrap the replica from (waited "
                        + config.bootstrapTimeout.toMillis() + " ms)");
            }
            Thread.sleep(Math.max(50, config.pollTimeout.toMillis()));
        }
        return null;
    }

    /** Loads {@code s} as the replica's weights and version (verifying the log: from its signed chain link on). */
    private void bootstrap(Snapshot s) {
        if (config.verifier != null) {
            byte[] head = config.ownedSource.chainHead(s.sha256()).orElseThrow(() -> new LogVerificationException(
                    "model '" + config.modelId + "': snapshot " + s.sha256() + " came without a signed chain link"));
            if (verified == null) {
                verified = new VerifiedLog(config.modelId, config.verifier);
            }
            verified.start(s.step(), head);
        }
        lock.writeLock().lock();
        try {
            replica = new Replica(config.modelId, s.parameters(), s.step());
            bootstrapStep = s.step();
            snapshotId = s.sha256();
            modelSpec = s.modelSpec();
            version = s.step();
        } finally {
            lock.writeLock().unlock();
        }
        notifyVersion();
        for (ModelListener l : listeners) {
            l.onBootstrap(s.step(), s.sha256());
        }
    }

    /** Wakes {@link #awaitVersion} waiters after {@code version} changed (written under the write lock). */
    private void notifyVersion() {
        synchronized (versionMonitor) {
            versionMonitor.notifyAll();
        }
    }

    private void assignFromBeginning(KafkaConsumer<byte[], byte[]> c) throws InterruptedException {
        List<PartitionInfo> infos = null;
        long deadline = System.nanoTime() + config.topicWaitTimeout.toNanos();
        while (!closing) {
            TimeoutException timedOut = null;
            try {
                infos = c.listTopics(config.pollTimeout).get(config.topic);
            } catch (TimeoutException e) {
                // no metadata within one poll timeout (e.g. a fresh JVM's first connection): retry until the deadline
                timedOut = e;
                infos = null;
            }
            if (infos != null && !infos.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new InvalidConfigurationException("updates topic", config.topic, timedOut != null
                        ? "could not list the topics of " + config.bootstrapServers + " (waited "
                                + config.topicWaitTimeout.toMillis() + " ms): " + timedOut.getMessage()
                        : "topic does not exist on " + config.bootstrapServers + " (waited "
                                + config.topicWaitTimeout.toMillis() + " ms)");
            }
            Thread.sleep(Math.min(500, config.pollTimeout.toMillis()));
        }
        if (closing) {
            return;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : infos) {
            partitions.add(new TopicPartition(p.topic(), p.partition()));
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.putAll(config.consumerProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG,
                "seedflow-replica-" + config.modelId + "-" + UUID.randomUUID().toString().substring(0, 8));
        p.remove(ConsumerConfig.GROUP_ID_CONFIG); // manual assignment, no group, no commits
        return p;
    }

    private void fail(Exception e) {
        if (!error.compareAndSet(null, e)) {
            return;
        }
        running = false;
        for (ModelListener l : listeners) {
            try {
                l.onError(e);
            } catch (RuntimeException listenerError) {
                e.addSuppressed(listenerError);
            }
        }
        synchronized (versionMonitor) {
            versionMonitor.notifyAll();
        }
    }

    @Override
    public String toString() {
        return "ModelUpdateSubscriber[model=" + config.modelId + ", topic=" + config.topic + ", version=" + version
                + "]";
    }

    /** Settings of a {@link ModelUpdateSubscriber}; {@link #build()} validates them all at once. */
    public static final class Builder {
        public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(200);
        public static final Duration DEFAULT_TOPIC_WAIT_TIMEOUT = Duration.ofSeconds(60);
        public static final Duration DEFAULT_BOOTSTRAP_TIMEOUT = Duration.ofSeconds(60);

        private String bootstrapServers;
        private RegistryClientOptions registry;
        private String topic;
        private String modelId;
        private SnapshotSource snapshots;
        private boolean snapshotsFromAnnouncements;
        private AnnouncedSnapshotSource ownedSource;
        private Duration bootstrapTimeout = DEFAULT_BOOTSTRAP_TIMEOUT;
        private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
        private Duration topicWaitTimeout = DEFAULT_TOPIC_WAIT_TIMEOUT;
        private final Properties consumerProperties = new Properties();
        private final List<ModelListener> listeners = new ArrayList<>();
        private LogSignatures.Verifier verifier;

        private Builder() {
        }

        /**
         * Verify the log with the trainer's Ed25519 public key (docs/update-log-spec.md §10): bootstrap only from
         * announcements it signed, apply records only once a seal it signed covers them, and refuse (stop, keeping the
         * last verified version) anything that does not verify. Needs {@link #snapshotsFromAnnouncements()}.
         */
        public Builder verifyKey(PublicKey key) {
            verifier = key == null ? null : new LogSignatures.Verifier(key);
            return this;
        }

        public Builder bootstrapServers(String v) {
            bootstrapServers = v;
            return this;
        }

        public Builder registry(RegistryClientOptions v) {
            registry = v;
            return this;
        }

        public Builder updatesTopic(String v) {
            topic = v;
            return this;
        }

        public Builder modelId(String v) {
            modelId = v;
            return this;
        }

        public Builder snapshotSource(SnapshotSource v) {
            snapshots = v;
            snapshotsFromAnnouncements = false;
            return this;
        }

        /**
         * Bootstrap from the snapshots the trainer announces on the updates topic itself (the production setting),
         * fetched with {@link SnapshotFetcher#standard()}.
         */
        public Builder snapshotsFromAnnouncements() {
            snapshots = null;
            snapshotsFromAnnouncements = true;
            return this;
        }

        /** How long the first bootstrap waits for a snapshot to appear before failing (default 60 s). */
        public Builder bootstrapTimeout(Duration v) {
            bootstrapTimeout = v;
            return this;
        }

        public Builder pollTimeout(Duration v) {
            pollTimeout = v;
            return this;
        }

        /** How long to wait for the updates topic to exist before failing. */
        public Builder topicWaitTimeout(Duration v) {
            topicWaitTimeout = v;
            return this;
        }

        /** Extra Kafka consumer settings (security etc.); isolation level, offsets and group are fixed. */
        public Builder consumerProperty(String key, String value) {
            consumerProperties.put(key, value);
            return this;
        }

        public Builder listener(ModelListener v) {
            listeners.add(Objects.requireNonNull(v, "listener"));
            return this;
        }

        public ModelUpdateSubscriber build() {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new InvalidConfigurationException("bootstrapServers", bootstrapServers,
                        "must name at least one host:port");
            }
            if (registry == null) {
                throw new InvalidConfigurationException("registry", null, "schema registry options are required");
            }
            if (topic == null || topic.isBlank()) {
                throw new InvalidConfigurationException("updatesTopic", topic, "must be a non-empty topic name");
            }
            if (modelId == null || modelId.isBlank()) {
                throw new InvalidConfigurationException("modelId", modelId, "must be a non-empty model id");
            }
            if (snapshots == null && !snapshotsFromAnnouncements) {
                throw new InvalidConfigurationException("snapshotSource", null,
                        "a snapshot source to bootstrap from is required (or snapshotsFromAnnouncements())");
            }
            if (bootstrapTimeout == null || bootstrapTimeout.isNegative()) {
                throw new InvalidConfigurationException("bootstrapTimeout", bootstrapTimeout, "must be >= 0");
            }
            if (pollTimeout == null || pollTimeout.isNegative() || pollTimeout.isZero()
                    || pollTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new InvalidConfigurationException("pollTimeout", pollTimeout, "must be in (0, 5 min]");
            }
            if (topicWaitTimeout == null || topicWaitTimeout.isNegative()) {
                throw new InvalidConfigurationException("topicWaitTimeout", topicWaitTimeout, "must be >= 0");
            }
            if (verifier != null && !snapshotsFromAnnouncements) {
                throw new InvalidConfigurationException("verifyKey", verifier.fingerprint(), "a replica that "
                        + "verifies the log bootstraps from the signed announcements on the topic "
                        + "(snapshotsFromAnnouncements()), not from a snapshot directory");
            }
            Builder copy = new Builder();
            copy.verifier = verifier;
            copy.bootstrapServers = bootstrapServers;
            copy.registry = registry;
            copy.topic = topic;
            copy.modelId = modelId;
            copy.snapshots = snapshots;
            if (snapshotsFromAnnouncements) {
                copy.ownedSource = new AnnouncedSnapshotSource(bootstrapServers, topic, registry,
                        SnapshotFetcher.standard(), pollTimeout, verifier);
                copy.snapshots = copy.ownedSource;
            }
            copy.bootstrapTimeout = bootstrapTimeout;
            copy.pollTimeout = pollTimeout;
            copy.topicWaitTimeout = topicWaitTimeout;
            copy.consumerProperties.putAll(consumerProperties);
            copy.listeners.addAll(listeners);
            return new ModelUpdateSubscriber(copy);
        }
    }
}
