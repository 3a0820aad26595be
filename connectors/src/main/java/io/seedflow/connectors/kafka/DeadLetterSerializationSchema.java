package io.seedflow.connectors.kafka;

import io.seedflow.core.settings.JobSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a {@link DeadLetter} to the dead-letter topic: key = the reason, value = the original bytes, and the context
 * in headers (all UTF-8 text), so the record can be inspected and replayed with any Kafka tool.
 *
 * <p>Headers: {@value #REASON}, {@value #MESSAGE} (at most {@value #MAX_MESSAGE_CHARS} characters),
 * {@value #SOURCE_TOPIC}, {@value #SOURCE_PARTITION}, {@value #SOURCE_OFFSET}; and, for every dead letter with a
 * value (all but tombstones, whose dead letter has a null value too), {@value #ORIGINAL_SIZE} (decimal bytes),
 * {@value #ORIGINAL_SHA256} (hex SHA-256 of the whole original value) and {@value #TRUNCATED} ({@code true} or
 * {@code false}). Dead letters written before these three headers existed simply lack them.
 *
 * <p>No input may make this record undeliverable, or the sink fails, the job restarts from its last checkpoint, meets
 * the same record again and no model trains any more (a poison pill). So the record is bounded whatever the input:
 * an original value longer than {@code maxOriginalBytes} is cut to that prefix (its size, hash and
 * {@value #TRUNCATED}{@code =true} still describe the whole value), the message is cut, and everything else is
 * small; {@link #ENVELOPE_RESERVE_BYTES} bounds all but the value. With the default limit
 * ({@link #DEFAULT_MAX_ORIGINAL_BYTES}) every dead letter fits a default broker and topic (message.max.bytes
 * 1,048,588) and the producer's default max.request.size (1,048,576).
 */
public final class DeadLetterSerializationSchema implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 2L;

    public static final String REASON = "seedflow.reason";
    public static final String MESSAGE = "seedflow.message";
    public static final String SOURCE_TOPIC = "seedflow.source-topic";
    public static final String SOURCE_PARTITION = "seedflow.source-partition";
    public static final String SOURCE_OFFSET = "seedflow.source-offset";
    public static final String ORIGINAL_SIZE = "seedflow.original-size";
    public static final String ORIGINAL_SHA256 = "seedflow.original-sha256";
    public static final String TRUNCATED = "seedflow.truncated";

    /** Default most bytes of an original value copied into a dead letter. */
    public static final int DEFAULT_MAX_ORIGINAL_BYTES =
            JobSettings.DEAD_LETTER_MAX_BYTES.defaultValue().orElseThrow();
    /** Upper bound of the limit; larger dead letters need a broker and topic configured for them anyway. */
    public static final int MAX_MAX_ORIGINAL_BYTES = JobSettings.DEAD_LETTER_MAX_BYTES_LIMIT;
    /** Longest message header, in characters (UTF-8: at most 4 bytes each, so 4 KiB). */
    public static final int MAX_MESSAGE_CHARS = 1024;
    /**
     * Bytes a dead letter takes beyond its value, at most: key (a reason name), eight headers with the message at
     * 4 KiB and a topic name at Kafka's 249 characters, record and batch framing; about 5 KiB, rounded up.
     */
    public static final int ENVELOPE_RESERVE_BYTES = 16 * 1024;

    private final String topic;
    private final int maxOriginalBytes;

    /** A schema with the default limit, {@link #DEFAULT_MAX_ORIGINAL_BYTES} bytes of the original value. */
    public DeadLetterSerializationSchema(String topic) {
        this(topic, DEFAULT_MAX_ORIGINAL_BYTES);
    }

    /**
     * @param maxOriginalBytes most bytes of an original value copied into a dead letter, 0 to
     *     {@link #MAX_MAX_ORIGINAL_BYTES}
     */
    public DeadLetterSerializationSchema(String topic, int maxOriginalBytes) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.maxOriginalBytes = requireValidLimit(maxOriginalBytes, "maxOriginalBytes");
    }

    /** {@code limit} if it is a valid most-bytes-of-an-original-value, else an error naming {@code name}. */
    public static int requireValidLimit(long limit, String name) {
        if (limit < 0 || limit > MAX_MAX_ORIGINAL_BYTES) {
            throw new IllegalArgumentException(name + ": expected 0 to " + MAX_MAX_ORIGINAL_BYTES + " bytes (default "
                    + DEFAULT_MAX_ORIGINAL_BYTES + ", which fits a default Kafka broker), got " + limit);
        }
        return (int) limit;
    }

    /**
     * The producer {@code max.request.size} that lets every dead letter of this limit through: Kafka's default
     * (1,048,576) or, for a larger limit, the limit plus the envelope. The topic's {@code max.message.bytes} must
     * allow as much.
     */
    public static int producerMaxRequestSize(int maxOriginalBytes) {
        return Math.max(1_048_576, maxOriginalBytes + ENVELOPE_RESERVE_BYTES);
    }

    public int maxOriginalBytes() {
        return maxOriginalBytes;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        byte[] original = letter.original;
        byte[] value = original == null || original.length <= maxOriginalBytes
                ? original : Arrays.copyOf(original, maxOriginalBytes);
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(letter.reason.name()));
        headers.add(MESSAGE, utf8(cut(letter.message)));
        headers.add(SOURCE_TOPIC, utf8(letter.topic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(letter.partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(letter.offset)));
        if (original != null) {
            headers.add(ORIGINAL_SIZE, utf8(Integer.toString(original.length)));
            headers.add(ORIGINAL_SHA256, utf8(sha256(original)));
            headers.add(TRUNCATED, utf8(Boolean.toString(value.length < original.length)));
        }
        return new ProducerRecord<>(topic, null, timestamp, utf8(letter.reason.name()), value, headers);
    }

    private static String cut(String message) {
        if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
            return message;
        }
        String suffix = "... (" + message.length() + " characters)";
        return message.substring(0, MAX_MESSAGE_CHARS - suffix.length()) + suffix;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static byte[] utf8(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Where a dead letter came from, as its headers say. */
    public record Source(String topic, int partition, long offset) {
    }

    /** The source event of a dead letter read back from the topic; empty if its headers do not name one. */
    public static java.util.Optional<Source> sourceOf(ConsumerRecord<byte[], byte[]> deadLetter) {
        try {
            return java.util.Optional.of(new Source(text(deadLetter, SOURCE_TOPIC),
                    Integer.parseInt(text(deadLetter, SOURCE_PARTITION)), Long.parseLong(text(deadLetter, SOURCE_OFFSET))));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    private static String text(ConsumerRecord<byte[], byte[]> r, String header) {
        Header h = r.headers().lastHeader(header);
        return h == null || h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
