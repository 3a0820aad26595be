package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.kafka.LogWriterFence;
import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.core.error.ForkedLogException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The writer fence against a real broker's transactions (docs/update-log-spec.md §7.4): committed history before the
 * fence started is not contested; another writer's aborted value of the writer's step does not count; another
 * writer's pending value of a step, ahead of the writer's own, stops it, before anything of either commits.
 */
class LogWriterFenceITCase extends KafkaRegistryTestBase {
    private static final String TOPIC = "fence-it-updates";
    private static final String MODEL = "m";

    @Test
    void abortedValuesDoNotCountAndAPendingValueAheadOfTheWritersOwnStopsIt() throws Exception {
        kafka.createTopic(TOPIC, 1);
        try (KafkaProducer<byte[], byte[]> old = producer("old")) {
            old.beginTransaction();
            for (long step = 1; step <= 10; step++) {
                send(old, step, "old#0");
            }
            old.commitTransaction();
        }
        try (LogWriterFence fence = new LogWriterFence(kafka.bootstrapServers(), TOPIC,
                registryServer.clientOptions(null), "me#0", Duration.ofSeconds(30));
                KafkaProducer<byte[], byte[]> me = producer("me");
                KafkaProducer<byte[], byte[]> b = producer("b");
                KafkaProducer<byte[], byte[]> c = producer("c")) {
            b.beginTransaction();
            send(b, 11, "b#0"); // another writer's step 11, then its transaction aborts (it failed)
            b.flush();
            b.abortTransaction();
            me.beginTransaction();
            fence.wrote(MODEL, 11);
            send(me, 11, "me#0");
            me.flush();
            assertThatCode(fence::check).as("history and an aborted value do not count").doesNotThrowAnyException();

            c.beginTransaction();
            send(c, 12, "c#0"); // pending, ahead of this writer's step 12
            c.flush();
            fence.wrote(MODEL, 12);
            send(me, 12, "me#0");
            me.flush();
            assertThatThrownBy(fence::check).isInstanceOf(ForkedLogException.class)
                    .hasMessageStartingWith("model 'm': another writer (job c#0) wrote step 12 of its log at "
                            + TOPIC + "/0@");
            me.abortTransaction();
            c.abortTransaction();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String id) {
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.transactionalProducerProperties("fence-it-" + id),
                new ByteArraySerializer(), new ByteArraySerializer());
        p.initTransactions();
        return p;
    }

    /** A record of {@link #MODEL} at {@code step}, headed as the writer {@code writer} writes it. */
    private static void send(KafkaProducer<byte[], byte[]> producer, long step, String writer) {
        UpdateRecord r = new UpdateRecord(1, MODEL, "ab".repeat(32), step, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(step, 0.5f, Float.NaN, Float.NaN, Float.NaN)), Float.NaN, Float.NaN, 0,
                List.of(new Lineage("events", 0, step * 10, step * 10 + 10)), 1_000 + step);
        byte[] value = new UpdatesTopic.Writer(registry, UpdateLogEncoding.COMPACT)
                .write(ConfluentWireFormat.valueSubject(TOPIC), r);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(TOPIC, MODEL.getBytes(StandardCharsets.UTF_8),
                value);
        record.headers().add(LogWriterFence.WRITER_HEADER, writer.getBytes(StandardCharsets.UTF_8));
        producer.send(record);
    }
}
