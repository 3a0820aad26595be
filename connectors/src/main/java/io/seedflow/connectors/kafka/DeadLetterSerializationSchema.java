package io.seedflow.connectors.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a {@link DeadLetter} to the dead-letter topic: key = the reason, value = the original bytes unchanged, and
 * the context in headers ({@value #REASON}, {@value #MESSAGE}, {@value #SOURCE_TOPIC}, {@value #SOURCE_PARTITION},
 * {@value #SOURCE_OFFSET}; all UTF-8 text), so the record can be inspected and replayed with any Kafka tool.
 */
public final class DeadLetterSerializationSchema implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    public static final String REASON = "seedflow.reason";
    public static final String MESSAGE = "seedflow.message";
    public static final String SOURCE_TOPIC = "seedflow.source-topic";
    public static final String SOURCE_PARTITION = "seedflow.source-partition";
    public static final String SOURCE_OFFSET = "seedflow.source-offset";

    private final String topic;

    public DeadLetterSerializationSchema(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(letter.reason.name()));
        headers.add(MESSAGE, utf8(letter.message));
        headers.add(SOURCE_TOPIC, utf8(letter.topic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(letter.partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(letter.offset)));
        return new ProducerRecord<>(topic, null, timestamp, utf8(letter.reason.name()), letter.original, headers);
    }

    private static byte[] utf8(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}
