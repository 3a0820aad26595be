package io.seedflow.connectors.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.utils.JacksonMapper;
import org.apache.flink.avro.shaded.com.fasterxml.jackson.databind.JsonNode;

/**
 * The development registry's storage on disk: one JSON line per registered version,
 * {@code {"subject":"s","version":1,"id":1,"schema":"..."}}, appended and forced to disk before the registration is
 * answered. On start the lines are replayed in order, so subjects, versions and ids are the same after a restart.
 * A line that cannot be read stops the start with the file and line number (the file is never rewritten).
 */
final class RegistryJournal implements AutoCloseable {
    /** The journal's file name in the registry's data directory. */
    static final String FILE = "schemas.jsonl";

    private final Path file;
    private final FileChannel channel;

    private RegistryJournal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens (creating if absent) the journal in {@code dataDir}. */
    static RegistryJournal open(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        return new RegistryJournal(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
    }

    /** Every version written so far, in the order they were registered. */
    List<RegisteredSchema> read() throws IOException {
        List<RegisteredSchema> out = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JacksonMapper.INSTANCE.readTree(line);
                out.add(new RegisteredSchema(text(n, "subject"), positive(n, "version"), positive(n, "id"),
                        text(n, "schema")));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalStateException("registry data " + file + " line " + lineNumber + ": " + e.getMessage()
                        + "; expected {\"subject\":...,\"version\":N,\"id\":N,\"schema\":...} (fix or remove the line)",
                        e);
            }
        }
        return out;
    }

    /** Appends {@code s} and forces it to disk. */
    void append(RegisteredSchema s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", s.subject());
        m.put("version", s.version());
        m.put("id", s.id());
        m.put("schema", s.schema());
        try {
            byte[] line = (JacksonMapper.INSTANCE.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("appending to the registry data " + file, e);
        }
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not a string");
        }
        return v.asText();
    }

    private static int positive(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not a positive integer");
        }
        return v.asInt();
    }
}
