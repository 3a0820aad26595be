package io.seedflow.tests.kafka;

import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.jobs.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the integration tests that need the in-JVM Kafka broker and the loopback schema registry: one of each per
 * test class, started before its first test and closed after its last.
 */
public abstract class KafkaRegistryTestBase {
    private static KafkaAndRegistry env;
    protected static EmbeddedKafkaBroker kafka;
    protected static EmbeddedSchemaRegistry registryServer;
    protected static SchemaRegistry registry;

    @BeforeAll
    static void startKafkaAndRegistry() throws Exception {
        env = KafkaAndRegistry.start();
        kafka = env.kafka();
        registryServer = env.registryServer();
        registry = env.registry();
    }

    @AfterAll
    static void stopKafkaAndRegistry() throws Exception {
        if (env != null) {
            env.close();
            env = null;
        }
    }
}
