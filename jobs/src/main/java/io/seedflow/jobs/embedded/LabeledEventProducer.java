package io.seedflow.jobs.embedded;

import io.seedflow.connectors.kafka.RegistryAvroSerializer;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.core.settings.JobSettings;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that streams {@link LabeledEvent}s from a {@link LabeledEventSource} to Kafka in the Confluent wire format
 * ({@link RegistryAvroSerializer}, subject {@code <topic>-value}), keyed by model id, at a target rate: the demo's
 * Fashion-MNIST stream (shuffled epochs without end) and {@code seedflow produce} (a data set split or a JSON-lines
 * file) and the email demo's SpamAssassin mails in time order. The stream ends when the source has no more events, or
 * when closed. With {@code poisonEvery = N > 0}, one poison record (of the settings' {@link PoisonKind}s, taking turns)
 * follows every N valid events, so that the job's dead-letter path has something to do.
 *
 * <p>Counts ({@link #produced()}, {@link #poisonSent()}) are of records the broker acknowledged. The send time of each
 * acknowledged record is kept by offset ({@link #sendTimeOf}) for a while, so a monitor can tell how old the newest
 * event a model trained on is. A send failure stops the thread; {@link #checkError()} and {@link #close()} rethrow
 * it.
 */
public final class LabeledEventProducer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LabeledEventProducer.class);
    /** Send times kept per offset: enough for several minutes at demo rates, bounded memory when it runs for days. */
    private static final int SEND_TIMES_KEPT = 1 << 20;

    private final Settings settings;
    private final Thread thread;
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong poisonSent = new AtomicLong();
    private final AtomicReference<Exception> error = new AtomicReference<>();
    private final ConcurrentSkipListMap<Long, Long> sendTimeByOffset = new ConcurrentSkipListMap<>();
    private volatile boolean closing;

    private LabeledEventProducer(Settings settings) {
        this.settings = settings;
        this.thread = new Thread(this::run, "seedflow-event-producer");
        this.thread.setDaemon(true);
    }

    /** Validates {@code settings} and starts the producer thread. */
    public static LabeledEventProducer start(Settings settings) {
        LabeledEventProducer p = new LabeledEventProducer(settings);
        p.thread.start();
        return p;
    }

    /** Valid events the broker acknowledged. */
    public long produced() {
        return produced.get();
    }

    /** Poison records the broker acknowledged. */
    public long poisonSent() {
        return poisonSent.get();
    }

    /** Whether the thread has stopped (finished the configured total, failed, or closed). */
    public boolean isDone() {
        return !thread.isAlive();
    }

    /** Waits up to {@code timeout} for the thread to stop; returns whether it has. */
    public boolean awaitDone(long timeout, TimeUnit unit) throws InterruptedException {
        thread.join(Math.max(1, unit.toMillis(timeout)));
        return isDone();
    }

    /** Epoch milliseconds at which the event at {@code offset} of the (single-partition) topic was sent, if known. */
    public OptionalLong sendTimeOf(long offset) {
        Long t = sendTimeByOffset.get(offset);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** Rethrows the error that stopped the producer thread, if any. */
    public void checkError() {
        Exception e = error.get();
        if (e != null) {
            throw new IllegalStateException("event producer for topic '" + settings.topic + "' failed: "
                    + e.getMessage(), e);
        }
    }

    /** Stops the thread (records in flight are flushed) and rethrows its error, if any; idempotent. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        thread.join(5_000); // the loop checks the flag at least once per event
        if (thread.isAlive()) {
            thread.interrupt(); // blocked in a send to an unreachable broker
            thread.join();
        }
        checkError();
    }

    private void run() {
        LabeledEventSource source = settings.source;
        RatePacer pacer = new RatePacer(settings.eventsPerSecond, Math.max(1, (long) settings.eventsPerSecond));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, settings.clientId);
        try (ConfluentRegistryClient registry = ConfluentRegistryClient.create(settings.registry);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                        new ByteArraySerializer())) {
            RegistryAvroSerializer<LabeledEvent> serializer =
                    RegistryAvroSerializer.forClass(LabeledEvent.class, registry);
            long sent = 0;
            while (!closing && error.get() == null) {
                pacer.awaitNext();
                LabeledEvent event = source.next(Instant.now());
                if (event == null) {
                    break;
                }
                send(producer, event.getModelId(), serializer.serialize(settings.topic, event), produced);
                sent++;
                if (settings.poisonEvery > 0 && sent % settings.poisonEvery == 0) {
                    PoisonKind kind = PoisonKind.nth(settings.poisonKinds, sent / settings.poisonEvery - 1);
                    send(producer, event.getModelId(), kind.make(event, e -> serializer.serialize(settings.topic, e),
                            new PoisonKind.Limits(source.classes(), settings.maxTextChars)), poisonSent);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            if (!closing) {
                error.compareAndSet(null, e);
            }
        } catch (Exception e) {
            if (!(closing && e.getCause() instanceof InterruptedException)) {
                error.compareAndSet(null, e);
                LOG.error("event producer for topic '{}' stopped: {}", settings.topic, e.toString());
            }
        }
    }

    private void send(KafkaProducer<String, byte[]> producer, String key, byte[] value, AtomicLong counter) {
        long now = System.currentTimeMillis();
        producer.send(new ProducerRecord<>(settings.topic, null, now, key, value),
                (RecordMetadata m, Exception e) -> {
                    if (e != null) {
                        error.compareAndSet(null, e);
                        return;
                    }
                    counter.incrementAndGet();
                    sendTimeByOffset.put(m.offset(), now);
                    if (m.offset() % 65_536 == 0) {
                        sendTimeByOffset.headMap(m.offset() - SEND_TIMES_KEPT).clear();
                    }
                });
    }

    @Override
    public String toString() {
        return "LabeledEventProducer{topic=" + settings.topic + ", produced=" + produced + ", poison="
                + poisonSent + "}";
    }

    /**
     * Where and what to produce, validated on construction.
     *
     * @param source the events, in the order they are sent
     * @param eventsPerSecond target rate of valid events, 0 = as fast as possible
     * @param poisonEvery one poison record after every this many valid events, 0 = none (needs a source that knows
     *     its class count)
     * @param poisonKinds the kinds of poison record, taking turns ({@link PoisonKind#DENSE} for image events,
     *     {@link PoisonKind#TEXT} for text events)
     * @param maxTextChars the longest text the job accepts ({@code seedflow.job.max-text-chars}), which an oversized
     *     text poison record exceeds by one
     * @param clientId the Kafka client id
     */
    public record Settings(String bootstrapServers, RegistryClientOptions registry, String topic,
            LabeledEventSource source, double eventsPerSecond, long poisonEvery, List<PoisonKind> poisonKinds,
            int maxTextChars, String clientId) {
        /** Settings with the poison records for dense features and the declared text limit. */
        public Settings(String bootstrapServers, RegistryClientOptions registry, String topic,
                LabeledEventSource source, double eventsPerSecond, long poisonEvery, String clientId) {
            this(bootstrapServers, registry, topic, source, eventsPerSecond, poisonEvery, PoisonKind.DENSE,
                    JobSettings.MAX_TEXT_CHARS.defaultValue().orElseThrow(), clientId);
        }

        public Settings {
            Objects.requireNonNull(registry, "registry: the schema registry settings are required");
            Objects.requireNonNull(source, "source: the events to send are required");
            poisonKinds = List.copyOf(poisonKinds);
            if (poisonKinds.isEmpty()) {
                throw new IllegalArgumentException("poison kinds: expected at least one kind");
            }
            JobSettings.MAX_TEXT_CHARS.check(maxTextChars);
            require("bootstrap servers", bootstrapServers);
            require("topic", topic);
            require("client id", clientId);
            if (!(eventsPerSecond >= 0) || Double.isInfinite(eventsPerSecond)) {
                throw new IllegalArgumentException("rate: expected events per second >= 0 (0 = as fast as "
                        + "possible), got " + eventsPerSecond);
            }
            if (poisonEvery < 0) {
                throw new IllegalArgumentException("poison every: expected >= 0 (0 = no poison records), got "
                        + poisonEvery);
            }
            if (poisonEvery > 0 && source.classes() < 1) {
                throw new IllegalArgumentException("poison every: " + source.describe() + " has no known class "
                        + "count, which the out-of-range-label poison record needs; use 0 (no poison records)");
            }
        }

        private static void require(String what, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(what + " is required, got '" + value + "'");
            }
        }
    }
}
