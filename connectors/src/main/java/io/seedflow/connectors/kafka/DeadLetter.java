package io.seedflow.connectors.kafka;

import io.seedflow.core.data.RejectionReason;
import java.util.Arrays;
import java.util.Objects;

/**
 * A record the pipeline cannot train on: why ({@link #reason}, {@link #message}), where it came from and its
 * original bytes, unchanged. A Flink POJO; {@link DeadLetterSerializationSchema} writes it to the dead-letter topic.
 */
public class DeadLetter {
    public RejectionReason reason;
    /** Human-readable detail naming the value found and what was expected. */
    public String message;
    public String topic;
    public int partition;
    public long offset;
    /** The record value exactly as consumed; {@code null} for a tombstone. */
    public byte[] original;

    public DeadLetter() {
    }

    public DeadLetter(RejectionReason reason, String message, RawEvent event) {
        this.reason = reason;
        this.message = message;
        this.topic = event.topic;
        this.partition = event.partition;
        this.offset = event.offset;
        this.original = event.value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d && reason == d.reason && partition == d.partition && offset == d.offset
                && Objects.equals(message, d.message) && Objects.equals(topic, d.topic)
                && Arrays.equals(original, d.original);
    }

    @Override
    public int hashCode() {
        return Objects.hash(reason, message, topic, partition, offset) * 31 + Arrays.hashCode(original);
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + ", " + topic + "/" + partition + "@" + offset + ": " + message + "}";
    }
}
