package io.seedflow.tests.kafka;

import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.jobs.embedded.EmbeddedKafkaBroker;

/**
 * The in-JVM Kafka broker (jobs' {@link EmbeddedKafkaBroker}), the loopback schema registry and a real registry
 * client, started and closed together.
 */
public final class KafkaAndRegistry implements AutoCloseable {
    private final EmbeddedKafkaBroker kafka;
    private final EmbeddedSchemaRegistry registryServer;
    private final SchemaRegistry registry;

    private KafkaAndRegistry(EmbeddedKafkaBroker kafka, EmbeddedSchemaRegistry registryServer, SchemaRegistry registry) {
        this.kafka = kafka;
        this.registryServer = registryServer;
        this.registry = registry;
    }

    public static KafkaAndRegistry start() throws Exception {
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start();
        EmbeddedSchemaRegistry server = EmbeddedSchemaRegistry.start();
        return new KafkaAndRegistry(kafka, server, ConfluentRegistryClient.create(server.clientOptions(null)));
    }

    public EmbeddedKafkaBroker kafka() {
        return kafka;
    }

    public EmbeddedSchemaRegistry registryServer() {
        return registryServer;
    }

    public SchemaRegistry registry() {
        return registry;
    }

    @Override
    public void close() throws Exception {
        try (AutoCloseable k = kafka; AutoCloseable s = registryServer; AutoCloseable r = registry) {
            // closed in reverse order: client, server, broker
        }
    }
}
