package io.seedflow.connectors.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.PortInUseException;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.schemas.SnapshotAnnouncement;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin registry, driven through the real (relocated) Confluent CachedSchemaRegistryClient over HTTP. */
class EmbeddedSchemaRegistryTest {
    static final String V1 = LabeledEvent.getClassSchema().toString();
    /** V1 plus an optional field with a default: a backward-compatible evolution. */
    static final String V2 = V1.substring(0, V1.lastIndexOf(']'))
            + ",{\"name\":\"weight\",\"type\":\"float\",\"default\":1.0}]}";

    private EmbeddedSchemaRegistry server;

    @BeforeEach
    void start() {
        server = EmbeddedSchemaRegistry.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SchemaRegistry newClient() {
        return ConfluentRegistryClient.create(server.clientOptions(null));
    }

    @Test
    void sameSchemaGetsSameIdAcrossClientsAndSubjects() {
        try (SchemaRegistry a = newClient(); SchemaRegistry b = newClient()) {
            int id = a.register("events-value", V1);
            // a fresh client has no local cache, so this id comes from the server
            assertThat(b.register("events-value", V1)).isEqualTo(id);
            assertThat(b.register("events-replay-value", V1)).isEqualTo(id);
            assertThat(b.schemaById(id)).isEqualTo(new org.apache.avro.Schema.Parser().parse(V1).toString());
            assertThat(b.latest("events-value")).get().extracting(RegisteredSchema::version).isEqualTo(1);
            assertThat(b.subjects()).containsExactly("events-replay-value", "events-value");
        }
    }

    @Test
    void evolvedSchemaBecomesNextVersionWithNewId() {
        try (SchemaRegistry client = newClient()) {
            int v1 = client.register("events-value", V1);
            int other = client.register("updates-value", ModelUpdate.getClassSchema().toString());
            int v2 = client.register("events-value", V2);
            assertThat(v2).isNotEqualTo(v1).isNotEqualTo(other);
            assertThat(client.latest("events-value")).get()
                    .satisfies(s -> assertThat(s.version()).isEqualTo(2))
                    .satisfies(s -> assertThat(s.id()).isEqualTo(v2))
                    .satisfies(s -> assertThat(s.schema()).contains("\"weight\""));
            assertThat(client.lookup("events-value", V1)).get()
                    .satisfies(s -> assertThat(s.version()).isEqualTo(1))
                    .satisfies(s -> assertThat(s.id()).isEqualTo(v1));
            assertThat(client.lookup("updates-value", V1)).isEmpty();
            assertThat(client.lookup("no-such-value", V1)).isEmpty();
            assertThat(client.latest("no-such-value")).isEmpty();
            // re-registering an old version changes nothing
            assertThat(client.register("events-value", V1)).isEqualTo(v1);
            try (SchemaRegistry fresh = newClient()) {
                assertThat(fresh.latest("events-value")).get().extracting(RegisteredSchema::version).isEqualTo(2);
            }
        }
    }

    @Test
    void unknownIdIsTyped() {
        try (SchemaRegistry client = newClient()) {
            assertThatThrownBy(() -> client.schemaById(42))
                    .isInstanceOfSatisfying(UnknownSchemaIdException.class, e -> assertThat(e.schemaId()).isEqualTo(42))
                    .hasMessage("schema id 42 not found in registry " + server.url());
        }
    }

    @Test
    void invalidSchemaIsRefusedBeforeTheWire() {
        try (SchemaRegistry client = newClient()) {
            assertThatThrownBy(() -> client.register("x-value", "{\"type\":\"record\"}"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("schema for subject 'x-value' is not valid Avro");
        }
    }

    @Test
    void basicAuthIsSentAndChecked() {
        try (EmbeddedSchemaRegistry secured = EmbeddedSchemaRegistry.start("seedflow:s3cret");
                SchemaRegistry good = ConfluentRegistryClient.create(secured.clientOptions("seedflow:s3cret"));
                SchemaRegistry anonymous = ConfluentRegistryClient.create(secured.clientOptions(null));
                SchemaRegistry wrong = ConfluentRegistryClient.create(secured.clientOptions("seedflow:guess"))) {
            int id = good.register("events-value", V1);
            assertThat(good.schemaById(id)).contains("LabeledEvent");
            assertThatThrownBy(() -> anonymous.register("events-value", V1))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageStartingWith("registry " + secured.url() + " refused registering a schema under "
                            + "subject 'events-value': HTTP 401")
                    .hasMessageContaining("no credentials");
            assertThatThrownBy(() -> wrong.schemaById(id)).isInstanceOf(SchemaRegistryException.class)
                    .isNotInstanceOf(UnknownSchemaIdException.class)
                    .hasMessageContaining("HTTP 401").hasMessageContaining("wrong credentials");
        }
    }

    @Test
    void unreachableRegistryIsNotARecordFault() {
        String url = server.url();
        server.close();
        server = EmbeddedSchemaRegistry.start(); // for @AfterEach
        try (SchemaRegistry client = ConfluentRegistryClient.create(
                RegistryClientOptions.builder().url(url).requestTimeoutMs(2000).build())) {
            assertThatThrownBy(() -> client.schemaById(1)).isExactlyInstanceOf(SchemaRegistryException.class)
                    .hasMessageStartingWith("registry " + url + " failed while looking up schema id 1");
        }
    }

    @Test
    void speaksConfluentRestJson() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"schema\":" + jsonString(V1) + "}";
        HttpResponse<String> registered = http.send(HttpRequest.newBuilder(URI.create(server.url()
                        + "/subjects/events%2Bv-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).isEqualTo(200);
        assertThat(registered.body()).matches("\\{\"id\":\\d+}");
        assertThat(get(http, "/subjects").body()).isEqualTo("[\"events+v-value\"]");
        assertThat(get(http, "/subjects/events%2Bv-value/versions").body()).isEqualTo("[1]");
        assertThat(get(http, "/subjects/events%2Bv-value/versions/latest").body())
                .startsWith("{\"subject\":\"events+v-value\",\"version\":1,\"id\":");
        HttpResponse<String> missing = get(http, "/schemas/ids/999");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"error_code\":40403,\"message\":\"Schema 999 not found\"}");
        assertThat(get(http, "/subjects/nope/versions/latest").body()).contains("\"error_code\":40401");
        assertThat(get(http, "/subjects/events%2Bv-value/versions/7").body()).contains("\"error_code\":40402");
        assertThat(get(http, "/config").statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> get(HttpClient http, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Test
    void aDataDirKeepsIdsAcrossARestartAndNewIdsContinueAfterTheHighest(@TempDir Path dir) {
        int v1;
        int update;
        int v2;
        try (EmbeddedSchemaRegistry first = EmbeddedSchemaRegistry.builder().dataDir(dir).start();
                SchemaRegistry client = ConfluentRegistryClient.create(first.clientOptions(null))) {
            v1 = client.register("events-value", V1);
            update = client.register("updates-value", ModelUpdate.getClassSchema().toString());
            v2 = client.register("events-value", V2);
            assertThat(client.register("events-value", V1)).isEqualTo(v1); // no new version, no new line
        }
        assertThat(dir.resolve(RegistryJournal.FILE)).content().hasLineCount(3);
        try (EmbeddedSchemaRegistry second = EmbeddedSchemaRegistry.builder().dataDir(dir).start();
                SchemaRegistry client = ConfluentRegistryClient.create(second.clientOptions(null))) {
            // a fresh client: every answer comes from the restarted server
            assertThat(client.subjects()).containsExactly("events-value", "updates-value");
            assertThat(client.register("events-value", V1)).isEqualTo(v1);
            assertThat(client.register("updates-value", ModelUpdate.getClassSchema().toString())).isEqualTo(update);
            assertThat(client.latest("events-value")).get()
                    .satisfies(s -> assertThat(s.version()).isEqualTo(2))
                    .satisfies(s -> assertThat(s.id()).isEqualTo(v2));
            assertThat(client.schemaById(v2)).contains("\"weight\"");
            int highest = Math.max(v1, Math.max(update, v2));
            int next = client.register("holdout-value", SnapshotAnnouncement.getClassSchema().toString());
            assertThat(next).isGreaterThan(highest);
        }
        try (EmbeddedSchemaRegistry third = EmbeddedSchemaRegistry.builder().dataDir(dir).start();
                SchemaRegistry client = ConfluentRegistryClient.create(third.clientOptions(null))) {
            assertThat(client.subjects()).containsExactly("events-value", "holdout-value", "updates-value");
        }
    }

    @Test
    void aSecondRegistryOnTheSameDataDirIsRefused(@TempDir Path dir) {
        try (EmbeddedSchemaRegistry first = EmbeddedSchemaRegistry.builder().dataDir(dir).start()) {
            assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().dataDir(dir).start())
                    .isInstanceOf(RegistryDataDirInUseException.class)
                    .hasMessageContaining("registry data dir " + first.dataDir().orElseThrow())
                    .hasMessageContaining("process " + ProcessHandle.current().pid() + " (this process)")
                    .hasMessageContaining("choose another --data-dir");
        }
        EmbeddedSchemaRegistry.builder().dataDir(dir).start().close(); // released on close
    }

    @Test
    void aTakenPortIsNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().port(taken.getLocalPort()).start())
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("schema registry port " + taken.getLocalPort() + " is already in use; choose "
                            + "another port, or 0 for any free one");
        }
    }

    @Test
    void aBadJournalLineIsNamedWithItsNumber(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(RegistryJournal.FILE), "{\"subject\":\"s\",\"version\":1,\"id\":1,"
                + "\"schema\":\"\\\"string\\\"\"}\n{\"subject\":\"s\"}\n");
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().dataDir(dir).start())
                .hasMessageContaining("line 2").hasMessageContaining("'version'");
        // the failed start released the lock
        EmbeddedSchemaRegistry.builder().dataDir(dir.resolve("other")).start().close();
        Files.delete(dir.resolve(RegistryJournal.FILE));
        EmbeddedSchemaRegistry.builder().dataDir(dir).start().close();
    }
}
