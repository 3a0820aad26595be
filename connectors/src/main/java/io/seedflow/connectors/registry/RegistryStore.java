package io.seedflow.connectors.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.MockSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.SchemaMetadata;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException;

/**
 * Storage of {@link EmbeddedSchemaRegistry}: the Confluent client's {@code MockSchemaRegistryClient} (versions per
 * subject; ids, stable per schema, assigned here), optionally journaled to disk ({@link RegistryJournal}), behind
 * string-only methods that fail with the Confluent REST status and error code.
 * Existence is checked here before asking the mock, so the answers do not depend on how the mock reports misses.
 */
final class RegistryStore {
    private final MockSchemaRegistryClient mock = new MockSchemaRegistryClient();
    private final RegistryJournal journal; // null: in memory only
    private final Map<AvroSchema, Integer> idBySchema = new HashMap<>(); // AvroSchema: equal by canonical form
    private int highestId;

    /** A store in memory only. */
    RegistryStore() {
        this.journal = null;
    }

    /**
     * A store that replays {@code journal} (each version with its recorded id) and appends every new version to it,
     * so that ids survive a restart and new ones continue after the highest.
     */
    RegistryStore(RegistryJournal journal) throws IOException {
        this.journal = journal;
        for (RegisteredSchema s : journal.read()) {
            try {
                restore(s, new AvroSchema(s.schema()));
            } catch (RegistryError | RuntimeException e) {
                throw new IllegalStateException("registry data " + journal.file() + ": cannot restore subject '"
                        + s.subject() + "' version " + s.version() + " id " + s.id() + ": " + e.getMessage(), e);
            }
        }
    }

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

    /**
     * Registers {@code schema} under {@code subject}, or finds it there. Ids are assigned here, not by the mock (whose
     * counter does not move past ids it is given), so that restored and new ids share one sequence: a schema known
     * under any subject keeps its id, a new one gets the highest id so far plus one.
     */
    synchronized int register(String subject, String schemaType, String schema) throws RegistryError {
        AvroSchema parsed = parse(schemaType, schema);
        List<Integer> versions = call(mock::getAllSubjects).contains(subject) ? versions(subject) : List.of();
        for (int v : versions) {
            SchemaMetadata m = call(() -> mock.getSchemaMetadata(subject, v));
            if (new AvroSchema(m.getSchema()).equals(parsed)) {
                return m.getId();
            }
        }
        Integer known = idBySchema.get(parsed);
        RegisteredSchema next = new RegisteredSchema(subject, versions.isEmpty() ? 1 : versions.get(versions.size() - 1)
                + 1, known != null ? known : highestId + 1, parsed.canonicalString());
        if (journal != null) {
            journal.append(next); // on disk before it exists in memory or is answered
        }
        restore(next, parsed);
        return next.id();
    }

    private void restore(RegisteredSchema s, AvroSchema parsed) throws RegistryError {
        call(() -> mock.register(s.subject(), parsed, s.version(), s.id()));
        idBySchema.putIfAbsent(parsed, s.id());
        highestId = Math.max(highestId, s.id());
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
