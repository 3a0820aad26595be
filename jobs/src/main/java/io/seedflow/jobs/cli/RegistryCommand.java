package io.seedflow.jobs.cli;

import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedflow registry}: the thin Confluent-REST-compatible schema registry ({@link EmbeddedSchemaRegistry}) as a
 * process of its own, for development: a chosen port, subjects, versions and ids kept in a data directory (locked
 * while it runs), until SIGTERM or Ctrl-C. Not a production registry: no compatibility checks, no deletes.
 */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = {"Run a development schema registry (Confluent REST subset, Avro) until stopped; ids are kept in "
                + "--data-dir and survive a restart.",
            "Not for production: no compatibility checks, no deletes, no authentication unless --user-info is set."})
public final class RegistryCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8085",
            description = "HTTP port; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", required = true,
            description = "Where subjects, versions and ids are kept (created if absent; locked while running).")
    Path dataDir;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "Address to listen on; 0.0.0.0 for all interfaces (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--user-info",
            description = "Require HTTP basic auth user:password (clients pass --registry-user-info); default: none.")
    String userInfo;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port: expected 0 (any free port) or 1..65535, got " + port);
        }
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().port(port).dataDir(dataDir)
                .bindAddress(bind).requiredUserInfo(userInfo)
                .portHint("pass --port with a free port, or --port 0 for any free one").start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("registry: stopping");
            registry.close();
            stopped.countDown();
        }, "seedflow-registry-shutdown"));
        System.out.printf("registry: listening on %s (bound to %s), data in %s; stop with Ctrl-C or SIGTERM%n",
                registry.url(), bind, registry.dataDir().orElseThrow());
        System.out.printf("registry: clients pass --registry-url %s%n", registry.url());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
