package io.seedflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.data.RejectionReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

/** Issue 12 point 1: no input makes a dead letter too large to write, and a cut value stays identifiable. */
class DeadLetterSerializationSchemaTest {
    /** Kafka's defaults: the producer's max.request.size and the broker's message.max.bytes. */
    private static final int PRODUCER_MAX_REQUEST = 1_048_576;
    private static final int BROKER_MAX_MESSAGE = 1_048_588;

    @Test
    void aValueOverTheLimitIsCutToItsPrefixWithItsSizeAndHash() {
        byte[] original = random(101);
        ProducerRecord<byte[], byte[]> r = serialize(new DeadLetterSerializationSchema("dlq", 100), original);
        assertThat(r.value()).isEqualTo(Arrays.copyOf(original, 100));
        assertThat(header(r, DeadLetterSerializationSchema.ORIGINAL_SIZE)).isEqualTo("101");
        assertThat(header(r, DeadLetterSerializationSchema.ORIGINAL_SHA256))
                .isEqualTo(DeadLetterSerializationSchema.sha256(original)).hasSize(64)
                .isNotEqualTo(DeadLetterSerializationSchema.sha256(r.value()));
        assertThat(header(r, DeadLetterSerializationSchema.TRUNCATED)).isEqualTo("true");
        assertThat(header(r, DeadLetterSerializationSchema.REASON)).isEqualTo("UNDECODABLE");
    }

    @Test
    void aValueAtTheLimitIsKeptWhole() {
        byte[] original = random(100);
        ProducerRecord<byte[], byte[]> r = serialize(new DeadLetterSerializationSchema("dlq", 100), original);
        assertThat(r.value()).isEqualTo(original);
        assertThat(header(r, DeadLetterSerializationSchema.ORIGINAL_SIZE)).isEqualTo("100");
        assertThat(header(r, DeadLetterSerializationSchema.TRUNCATED)).isEqualTo("false");
    }

    @Test
    void nullAndEmptyValues() {
        DeadLetterSerializationSchema schema = new DeadLetterSerializationSchema("dlq");
        ProducerRecord<byte[], byte[]> tombstone = serialize(schema, null);
        assertThat(tombstone.value()).isNull();
        assertThat(tombstone.headers().lastHeader(DeadLetterSerializationSchema.ORIGINAL_SIZE)).isNull();
        assertThat(tombstone.headers().lastHeader(DeadLetterSerializationSchema.ORIGINAL_SHA256)).isNull();
        ProducerRecord<byte[], byte[]> empty = serialize(schema, new byte[0]);
        assertThat(empty.value()).isEmpty();
        assertThat(header(empty, DeadLetterSerializationSchema.ORIGINAL_SIZE)).isEqualTo("0");
        assertThat(header(empty, DeadLetterSerializationSchema.ORIGINAL_SHA256))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(header(empty, DeadLetterSerializationSchema.TRUNCATED)).isEqualTo("false");
        // a limit of 0 keeps only size and hash
        ProducerRecord<byte[], byte[]> none = serialize(new DeadLetterSerializationSchema("dlq", 0), random(5));
        assertThat(none.value()).isEmpty();
        assertThat(header(none, DeadLetterSerializationSchema.TRUNCATED)).isEqualTo("true");
    }

    @Test
    void theWorstCaseDeadLetterFitsTheDefaultProducerAndBroker() {
        DeadLetterSerializationSchema schema = new DeadLetterSerializationSchema("d".repeat(249));
        DeadLetter letter = new DeadLetter(RejectionReason.WRONG_FEATURE_LENGTH, "\uD83D\uDCA5".repeat(50_000),
                new RawEvent("e".repeat(249), Integer.MAX_VALUE, Long.MAX_VALUE, random(5 << 20)));
        ProducerRecord<byte[], byte[]> r = schema.serialize(letter, null, Long.MAX_VALUE);
        assertThat(r.value()).hasSize(DeadLetterSerializationSchema.DEFAULT_MAX_ORIGINAL_BYTES);
        assertThat(header(r, DeadLetterSerializationSchema.MESSAGE))
                .hasSizeLessThanOrEqualTo(DeadLetterSerializationSchema.MAX_MESSAGE_CHARS)
                .endsWith("... (100000 characters)");
        // what KafkaProducer checks against max.request.size; a one-record batch the broker checks likewise
        int bound = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE, r.key(), r.value(), r.headers().toArray());
        assertThat(bound - r.value().length).isLessThanOrEqualTo(DeadLetterSerializationSchema.ENVELOPE_RESERVE_BYTES);
        assertThat(bound).isLessThanOrEqualTo(PRODUCER_MAX_REQUEST).isLessThanOrEqualTo(BROKER_MAX_MESSAGE);
        assertThat(DeadLetterSerializationSchema.producerMaxRequestSize(
                DeadLetterSerializationSchema.DEFAULT_MAX_ORIGINAL_BYTES)).isEqualTo(PRODUCER_MAX_REQUEST);
        assertThat(DeadLetterSerializationSchema.producerMaxRequestSize(4 << 20))
                .isEqualTo((4 << 20) + DeadLetterSerializationSchema.ENVELOPE_RESERVE_BYTES);
    }

    @Test
    void theLimitIsValidated() {
        assertThatThrownBy(() -> new DeadLetterSerializationSchema("dlq", -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxOriginalBytes: expected 0 to 67108864 bytes (default 1000000, which fits a default "
                        + "Kafka broker), got -1");
        assertThatThrownBy(() -> DeadLetterSerializationSchema.requireValidLimit((64L << 20) + 1, "--x"))
                .hasMessageStartingWith("--x: expected 0 to 67108864 bytes").hasMessageEndingWith("got 67108865");
        assertThat(DeadLetterSerializationSchema.requireValidLimit(64 << 20, "--x")).isEqualTo(64 << 20);
    }

    private static ProducerRecord<byte[], byte[]> serialize(DeadLetterSerializationSchema schema, byte[] value) {
        return schema.serialize(new DeadLetter(RejectionReason.UNDECODABLE, "bad",
                new RawEvent("events", 0, 7, value)), null, 1L);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        SplittableRandom rnd = new SplittableRandom(n);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        assertThat(h).as("header %s", key).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
