package io.seedflow.connectors.registry;

/** One version of a subject: its number, the global schema id and the schema (Avro JSON). */
public record RegisteredSchema(String subject, int version, int id, String schema) {
}
