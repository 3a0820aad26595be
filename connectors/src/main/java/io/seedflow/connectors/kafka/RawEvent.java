package io.seedflow.connectors.kafka;

import java.util.Arrays;
import java.util.Objects;

/**
 * One Kafka record as read, before any decoding: the value bytes and where they came from. A Flink POJO (public
 * no-arg constructor, public fields), so it never falls back to Kryo. Keeping the raw bytes lets the decode stage
 * dead-letter a bad record byte for byte.
 */
public class RawEvent {
    public String topic;
    public int partition;
    public long offset;
    /** The record value; {@code null} for a tombstone. */
    public byte[] value;

    public RawEvent() {
    }

    public RawEvent(String topic, int partition, long offset, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawEvent e && partition == e.partition && offset == e.offset
                && Objects.equals(topic, e.topic) && Arrays.equals(value, e.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "RawEvent{" + topic + "/" + partition + "@" + offset + ", "
                + (value == null ? "null" : value.length + " bytes") + "}";
    }
}
