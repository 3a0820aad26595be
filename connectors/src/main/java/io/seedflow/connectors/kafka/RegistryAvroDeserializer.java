package io.seedflow.connectors.kafka;

import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.SchemaRegistry;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka value deserializer for Confluent-wire-format Avro records, resolving the writer schema by the id in each
 * record. Bad bytes raise {@link io.seedflow.connectors.registry.WireFormatException} with a reason (the consumer
 * wraps it in a {@code RecordDeserializationException} that names topic, partition and offset); an unreachable
 * registry raises {@link io.seedflow.connectors.registry.SchemaRegistryException}. A {@code null} value stays
 * {@code null}.
 *
 * @param <T> the generated record class
 */
public final class RegistryAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    private final ConfluentAvroCodec<T> codec;

    public RegistryAvroDeserializer(ConfluentAvroCodec<T> codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    public static <T extends SpecificRecord> RegistryAvroDeserializer<T> forClass(Class<T> type,
            SchemaRegistry registry) {
        return new RegistryAvroDeserializer<>(ConfluentAvroCodec.forClass(type, registry));
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : codec.decode(data);
    }
}
