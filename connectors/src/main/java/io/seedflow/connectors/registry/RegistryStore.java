package io.seedflow.connectors.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.MockSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.SchemaMetadata;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException;

/**
 * Storage of {@link EmbeddedSchemaRegistry}: the Confluent client's {@code MockSchemaRegistryClient} (ids stable per
 * schema, versions per subject), behind string-only methods that fail with the Confluent REST status and error code.
 * Existence is checked here before asking the mock, so the answers do not depend on how the mock reports misses.
 */
final class RegistryStore {
    private final MockSchemaRegistryClient mock = new MockSchemaRegistryClient();

    /** A failed request: HTTP status, Confluent error code and message. */
    static final class RegistryError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final int errorCode;

        RegistryError(int status, int errorCode, String message) {
            super(message);
            this.status = status;
            this.errorCode = errorCode;
        }
    }

    synchronized int register(String subject, String schemaType, String schema) throws RegistryError {
        AvroSchema parsed = parse(schemaType, schema);
        return call(() -> mock.register(subject, parsed));
    }

    synchronized String schemaById(int id) throws RegistryError {
        boolean known = call(() -> !mock.getAllSubjectsById(id).isEmpty());
        if (!known) {
            throw new RegistryError(404, ConfluentRegistryClient.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return call(() -> mock.getSchemaById(id).canonicalString());
    }

    synchronized List<String> subjects() throws RegistryError {
        List<String> all = new ArrayList<>(call(mock::getAllSubjects));
        all.sort(null);
        return all;
    }

    synchronized List<Integer> versions(String subject) throws RegistryError {
        requireSubject(subject);
        List<Integer> versions = new ArrayList<>(call(() -> mock.getAllVersions(subject)));
        versions.sort(null);
        return versions;
    }

    /** {@code version} is a positive number or {@code latest}. */
    synchronized RegisteredSchema version(String subject, String version) throws RegistryError {
        List<Integer> versions = versions(subject);
        int wanted;
        if ("latest".equals(version) || "-1".equals(version)) {
            wanted = versions.get(versions.size() - 1);
        } else {
            try {
                wanted = Integer.parseInt(version);
            } catch (NumberFormatException e) {
                throw new RegistryError(422, 42202, "Invalid version " + version
                        + "; expected a positive integer or 'latest'");
            }
            if (!versions.contains(wanted)) {
                throw new RegistryError(404, ConfluentRegistryClient.VERSION_NOT_FOUND, "Version " + version
                        + " not found for subject " + subject);
            }
        }
        SchemaMetadata m = call(() -> mock.getSchemaMetadata(subject, wanted));
        return new RegisteredSchema(subject, m.getVersion(), m.getId(), m.getSchema());
    }

    synchronized RegisteredSchema lookup(String subject, String schemaType, String schema) throws RegistryError {
        requireSubject(subject);
        AvroSchema parsed = parse(schemaType, schema);
        for (int v : versions(subject)) {
            SchemaMetadata m = call(() -> mock.getSchemaMetadata(subject, v));
            if (new AvroSchema(m.getSchema()).equals(parsed)) {
                return new RegisteredSchema(subject, m.getVersion(), m.getId(), m.getSchema());
            }
        }
        throw new RegistryError(404, ConfluentRegistryClient.SCHEMA_NOT_FOUND, "Schema not found under subject "
                + subject);
    }

    private void requireSubject(String subject) throws RegistryError {
        if (!call(mock::getAllSubjects).contains(subject)) {
            throw new RegistryError(404, ConfluentRegistryClient.SUBJECT_NOT_FOUND, "Subject '" + subject
                    + "' not found.");
        }
    }

    private static AvroSchema parse(String schemaType, String schema) throws RegistryError {
        if (schemaType != null && !"AVRO".equals(schemaType)) {
            throw new RegistryError(422, 42201, "Invalid schema: schemaType " + schemaType
                    + " is not supported by the embedded registry; only AVRO");
        }
        if (schema == null) {
            throw new RegistryError(422, 42201, "Invalid schema: the request has no 'schema' field");
        }
        try {
            return new AvroSchema(schema);
        } catch (RuntimeException e) {
            throw new RegistryError(422, 42201, "Invalid schema: " + e.getMessage());
        }
    }

    private interface MockCall<V> {
        V run() throws IOException, RestClientException;
    }

    private static <V> V call(MockCall<V> c) throws RegistryError {
        try {
            return c.run();
        } catch (RestClientException e) {
            throw new RegistryError(e.getStatus(), e.getErrorCode(), e.getMessage());
        } catch (IOException e) {
            throw new RegistryError(500, 50001, "Error in the backend data store: " + e);
        }
    }
}
