package io.seedflow.connectors.registry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thin Confluent-REST-compatible schema registry on 127.0.0.1 and an ephemeral port, for tests and the embedded
 * demo. Storage is the Confluent client's own {@code MockSchemaRegistryClient} (relocated); this class only speaks
 * HTTP, so the real {@code CachedSchemaRegistryClient} exercises its HTTP path against it. State lives in memory and
 * dies with the server. Production points {@link RegistryClientOptions#URL} at a real registry instead.
 *
 * <p>Endpoints: {@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}} (lookup), {@code GET /subjects},
 * {@code GET /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{n|latest}}, {@code GET /schemas/ids/{id}}.
 * Avro schemas only; no compatibility checks (every new schema becomes a new version), no deletes, no references.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final String url;

    private EmbeddedSchemaRegistry(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        this.url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Starts a registry that accepts any caller. */
    public static EmbeddedSchemaRegistry start() {
        return start(null);
    }

    /**
     * Starts a registry that answers 401 unless a request carries HTTP basic auth {@code requiredUserInfo}
     * ({@code user:password}); {@code null} accepts any caller.
     */
    public static EmbeddedSchemaRegistry start(String requiredUserInfo) {
        if (requiredUserInfo != null && requiredUserInfo.indexOf(':') <= 0) {
            throw new IllegalArgumentException("requiredUserInfo: expected 'user:password' with a non-empty user");
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("binding the embedded schema registry to 127.0.0.1", e);
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "seedflow-schema-registry-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", new RegistryHttpHandler(new RegistryStore(), requiredUserInfo));
        server.setExecutor(executor);
        server.start();
        return new EmbeddedSchemaRegistry(server, executor);
    }

    /** Base URL, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        return url;
    }

    /** Client options for this registry, with {@code userInfo} (nullable) as basic-auth credentials. */
    public RegistryClientOptions clientOptions(String userInfo) {
        RegistryClientOptions.Builder b = RegistryClientOptions.builder().url(url);
        if (userInfo != null) {
            b.basicAuthUserInfo(userInfo);
        }
        return b.build();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedSchemaRegistry{" + url + "}";
    }
}
