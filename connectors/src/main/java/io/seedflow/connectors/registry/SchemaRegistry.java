package io.seedflow.connectors.registry;

import java.io.Closeable;
import java.util.List;
import java.util.Optional;

/**
 * A Confluent-compatible schema registry, seen through schema strings only (Avro schema JSON), so that no registry
 * client type, relocated or not, leaks into SeedFlow's API. Implementations are thread-safe.
 */
public interface SchemaRegistry extends Closeable {

    /**
     * Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. The same schema
     * gets the same id every time; a schema new to the subject becomes its next version.
     *
     * @throws SchemaRegistryException if the registry refuses the schema or cannot be reached
     */
    int register(String subject, String schema);

    /**
     * The writer schema with global id {@code id}.
     *
     * @throws UnknownSchemaIdException if the registry has no schema with that id
     * @throws SchemaRegistryException if the registry cannot be reached
     */
    String schemaById(int id);

    /** The latest version registered under {@code subject}, or empty if the subject has none. */
    Optional<RegisteredSchema> latest(String subject);

    /** The version of {@code schema} under {@code subject}, or empty if it is not registered there. */
    Optional<RegisteredSchema> lookup(String subject, String schema);

    /** All subjects, sorted. */
    List<String> subjects();

    /** Where this registry is, for messages, e.g. {@code http://127.0.0.1:40123}. */
    String location();

    @Override
    void close();
}
