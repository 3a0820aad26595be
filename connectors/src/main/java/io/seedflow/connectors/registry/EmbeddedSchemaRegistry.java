package io.seedflow.connectors.registry;

import com.sun.net.httpserver.HttpServer;
import io.seedflow.core.error.PortInUseException;
import io.seedflow.core.io.DirectoryLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thin Confluent-REST-compatible schema registry, for tests, the embedded demo and development
 * ({@code seedflow registry}). Storage is the Confluent client's own {@code MockSchemaRegistryClient} (relocated);
 * this class only speaks HTTP, so the real {@code CachedSchemaRegistryClient} exercises its HTTP path against it.
 * Production points {@link RegistryClientOptions#URL} at a real registry instead.
 *
 * <p>By default it listens on 127.0.0.1 and an ephemeral port and keeps its state in memory, which dies with it. With
 * a {@linkplain Builder#dataDir data directory} every new version is appended to {@value RegistryJournal#FILE} there
 * before it is answered and replayed on start, so subjects, versions and ids survive a restart (the same schema
 * gets the same id; new ids continue after the highest). The directory is locked ({@link DirectoryLock}) for as long
 * as the registry runs: a second registry on it, in this process or another, is refused with
 * {@link RegistryDataDirInUseException}.
 *
 * <p>Endpoints: {@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}} (lookup), {@code GET /subjects},
 * {@code GET /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{n|latest}}, {@code GET /schemas/ids/{id}}.
 * Avro schemas only; no compatibility checks (every new schema becomes a new version), no deletes, no references.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
    /** The lock file in a data directory; holds the owner's pid while locked. */
    public static final String LOCK_FILE = ".seedflow-registry.lock";

    private final HttpServer server;
    private final ExecutorService executor;
    private final String url;
    private final DirectoryLock lock; // null: in memory
    private final RegistryJournal journal; // null: in memory

    private EmbeddedSchemaRegistry(HttpServer server, ExecutorService executor, DirectoryLock lock,
            RegistryJournal journal) {
        this.server = server;
        this.executor = executor;
        this.url = "http://" + hostForUrl(server.getAddress()) + ":" + server.getAddress().getPort();
        this.lock = lock;
        this.journal = journal;
    }

    /** Starts a registry in memory on 127.0.0.1 and an ephemeral port that accepts any caller. */
    public static EmbeddedSchemaRegistry start() {
        return builder().start();
    }

    /**
     * Starts a registry in memory on 127.0.0.1 and an ephemeral port that answers 401 unless a request carries HTTP
     * basic auth {@code requiredUserInfo} ({@code user:password}); {@code null} accepts any caller.
     */
    public static EmbeddedSchemaRegistry start(String requiredUserInfo) {
        return builder().requiredUserInfo(requiredUserInfo).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where and how a registry listens and keeps its state; validated by {@link #start()}. */
    public static final class Builder {
        private String bindAddress = "127.0.0.1";
        private int port;
        private Path dataDir;
        private String requiredUserInfo;
        private String portHint = "choose another port, or 0 for any free one";

        private Builder() {
        }

        /** Address to listen on (default 127.0.0.1, loopback only). */
        public Builder bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        /** Port to listen on, 0 (the default) for an ephemeral one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Keep subjects, versions and ids in this directory (created if absent); default: in memory. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Answer 401 unless a request carries these basic-auth credentials ({@code user:password}). */
        public Builder requiredUserInfo(String userInfo) {
            this.requiredUserInfo = userInfo;
            return this;
        }

        /** How the user chooses another port, for the message when the port is taken. */
        public Builder portHint(String hint) {
            this.portHint = hint;
            return this;
        }

        /**
         * Locks and reads the data directory (if any), binds the port and starts serving.
         *
         * @throws PortInUseException if the port is taken
         * @throws RegistryDataDirInUseException if another registry uses the data directory
         */
        public EmbeddedSchemaRegistry start() {
            if (requiredUserInfo != null && requiredUserInfo.indexOf(':') <= 0) {
                throw new IllegalArgumentException("requiredUserInfo: expected 'user:password' with a non-empty user");
            }
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("registry port: expected 0 (any free port) or 1..65535, got "
                        + port);
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(bindAddress);
            } catch (IOException e) {
                throw new IllegalArgumentException("registry bind address: '" + bindAddress + "' is not an address "
                        + "of this machine (" + e.getMessage() + "); expected e.g. 127.0.0.1 or 0.0.0.0");
            }
            DirectoryLock lock = null;
            RegistryJournal journal = null;
            try {
                RegistryStore store;
                if (dataDir == null) {
                    store = new RegistryStore();
                } else {
                    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
                        throw new IllegalArgumentException("registry data dir " + dataDir + " is a file; expected a "
                                + "directory");
                    }
                    lock = DirectoryLock.acquire(dataDir, LOCK_FILE, RegistryDataDirInUseException::new);
                    journal = RegistryJournal.open(lock.directory());
                    store = new RegistryStore(journal);
                }
                HttpServer server = bind(address);
                AtomicInteger threads = new AtomicInteger();
                ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
                    Thread t = new Thread(r, "seedflow-schema-registry-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                server.createContext("/", new RegistryHttpHandler(store, requiredUserInfo));
                server.setExecutor(executor);
                server.start();
                return new EmbeddedSchemaRegistry(server, executor, lock, journal);
            } catch (IOException e) {
                closeQuietly(journal, lock);
                throw new UncheckedIOException("starting the schema registry with data dir " + dataDir, e);
            } catch (RuntimeException e) {
                closeQuietly(journal, lock);
                throw e;
            }
        }

        private HttpServer bind(InetAddress address) {
            try {
                return HttpServer.create(new InetSocketAddress(address, port), 0);
            } catch (BindException e) {
                throw new PortInUseException("schema registry", port, portHint, e);
            } catch (IOException e) {
                throw new UncheckedIOException("binding the schema registry to " + bindAddress + ":" + port, e);
            }
        }
    }

    /** The host part of the URL: a wildcard bind address is reached on loopback. */
    private static String hostForUrl(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (ip.isAnyLocalAddress()) {
            return "127.0.0.1";
        }
        return ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
    }

    private static void closeQuietly(RegistryJournal journal, DirectoryLock lock) {
        try (DirectoryLock l = lock; RegistryJournal j = journal) {
            // closed in reverse order: journal, lock
        } catch (IOException | RuntimeException e) {
            // secondary to the error being thrown
        }
    }

    /** The data directory (real path), or empty when the state lives in memory. */
    public Optional<Path> dataDir() {
        return lock == null ? Optional.empty() : Optional.of(lock.directory());
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
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
        closeQuietly(journal, lock); // after the last request: every version answered is on disk
    }

    @Override
    public String toString() {
        return "EmbeddedSchemaRegistry{" + url + "}";
    }
}
