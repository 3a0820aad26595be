package io.seedflow.connectors.kafka;

import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.schemas.ModelUpdate;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes each {@link UpdateRecord} to the updates topic as an Avro {@link ModelUpdate} (via {@link UpdateRecordCodec})
 * in the Confluent wire format, schema registered under {@code <topic>-value}. The key is the model id, so all
 * records of one model land in one partition, in step order.
 */
public final class UpdateRecordSerializationSchema implements KafkaRecordSerializationSchema<UpdateRecord> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final HashMap<String, String> registry;

    private transient ConfluentRegistryClient client;
    private transient ConfluentAvroCodec<ModelUpdate> codec;
    private transient String subject;

    public UpdateRecordSerializationSchema(String topic, RegistryClientOptions registry) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.registry = RegistrySettings.toMap(registry);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        client = ConfluentRegistryClient.create(RegistrySettings.fromMap(registry));
        codec = ConfluentAvroCodec.forClass(ModelUpdate.class, client);
        subject = ConfluentWireFormat.valueSubject(topic);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(UpdateRecord record, KafkaSinkContext context, Long timestamp) {
        byte[] value = codec.encode(subject, UpdateRecordCodec.toAvro(record));
        return new ProducerRecord<>(topic, null, timestamp, record.modelId().getBytes(StandardCharsets.UTF_8), value);
    }
}
