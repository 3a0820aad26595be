package io.seedflow.connectors.kafka;

import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.SchemaRegistry;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka value serializer writing generated Avro records in the Confluent wire format, with the schema registered
 * under subject {@code <topic>-value}. Pass an instance to the producer's constructor; a {@code null} value (a
 * tombstone) stays {@code null}. The registry is owned by the caller and not closed here.
 *
 * @param <T> the generated record class
 */
public final class RegistryAvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    private final ConfluentAvroCodec<T> codec;

    public RegistryAvroSerializer(ConfluentAvroCodec<T> codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    public static <T extends SpecificRecord> RegistryAvroSerializer<T> forClass(Class<T> type,
            SchemaRegistry registry) {
        return new RegistryAvroSerializer<>(ConfluentAvroCodec.forClass(type, registry));
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : codec.encode(ConfluentWireFormat.valueSubject(topic), data);
    }
}
