package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.schemas.SnapshotAnnouncement;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 point 4: {@code seedflow registry} as a process of its own. Ids survive a restart of the process (the same
 * schema gets the same id, a new one the next id after the highest), a second process on the same data directory is
 * refused with one line, and a taken port is named.
 */
class RegistryCommandITCase {
    private static final String PREFIX = "registry: clients pass --registry-url ";

    @TempDir
    Path tmp;

    /** A running {@code seedflow registry} child and its URL. */
    private record Child(Process process, String url) implements AutoCloseable {
        static Child start(Path dataDir) throws Exception {
            Process p = ChildJvm.start("registry", "--port", "0", "--data-dir", dataDir.toString());
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                seen.append(line).append('\n');
                if (line.startsWith(PREFIX)) {
                    return new Child(p, line.substring(PREFIX.length()).strip());
                }
            }
            p.destroyForcibly();
            throw new AssertionError("the registry did not start: " + seen);
        }

        SchemaRegistry client() {
            return ConfluentRegistryClient.create(RegistryClientOptions.builder().url(url).build());
        }

        /** SIGTERM, as Ctrl-C or an orchestrator would stop it. */
        @Override
        public void close() throws Exception {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void idsSurviveARestartOfTheProcessAndASecondProcessIsRefused() throws Exception {
        Path data = tmp.resolve("registry");
        int events;
        int updates;
        try (Child first = Child.start(data); SchemaRegistry client = first.client()) {
            events = client.register("seedflow-events-value", LabeledEvent.getClassSchema().toString());
            updates = client.register("seedflow-updates-value", ModelUpdate.getClassSchema().toString());

            ChildJvm.Outcome second = ChildJvm.seedflow("registry", "--port", "0", "--data-dir", data.toString());
            assertThat(second.exitCode()).as(second.output()).isEqualTo(1);
            List<String> errors = second.output().lines().filter(l -> l.startsWith("seedflow: ")).toList();
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0)).contains("RegistryDataDirInUseException")
                    .contains("registry data dir " + data.toRealPath())
                    .contains("process " + first.process().pid()).contains("choose another --data-dir");
            assertThat(second.output()).doesNotContain("\tat ");
        }
        try (Child restarted = Child.start(data); SchemaRegistry client = restarted.client()) {
            assertThat(client.subjects()).containsExactly("seedflow-events-value", "seedflow-updates-value");
            assertThat(client.register("seedflow-events-value", LabeledEvent.getClassSchema().toString()))
                    .isEqualTo(events);
            assertThat(client.schemaById(updates)).isEqualTo(ModelUpdate.getClassSchema().toString());
            assertThat(client.register("seedflow-announcements-value",
                    SnapshotAnnouncement.getClassSchema().toString())).isEqualTo(Math.max(events, updates) + 1);
        }
    }

    @Test
    void aTakenPortIsNamedInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            ChildJvm.Outcome r = ChildJvm.seedflow("registry", "--port", Integer.toString(port), "--data-dir",
                    tmp.resolve("d").toString());
            assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
            List<String> errors = r.output().lines().filter(l -> l.startsWith("seedflow: ")).toList();
            assertThat(errors).containsExactly("seedflow: PortInUseException: schema registry port " + port
                    + " is already in use; pass --port with a free port, or --port 0 for any free one");
        }
    }
}
