package io.seedflow.jobs.serving;

import io.seedflow.core.error.InvalidConfigurationException;
import java.time.Duration;

/**
 * Settings of a {@link PredictionServer}, validated once by the constructor.
 *
 * @param bindAddress   host name or IP address to listen on ({@code 0.0.0.0}: every interface)
 * @param port          TCP port; 0 picks a free one ({@link PredictionServer#port()} tells which)
 * @param threads       request threads; requests beyond them queue, and beyond the queue run on the accepting thread
 *                      (which slows accepting: back-pressure instead of unbounded memory)
 * @param maxBodyBytes  largest request body accepted; a larger one is answered 413
 * @param shutdownGrace how long {@link PredictionServer#close()} waits for requests in flight
 */
public record ServerOptions(String bindAddress, int port, int threads, int maxBodyBytes, Duration shutdownGrace) {
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_THREADS = 4;
    /** 4 MiB: a batch of about 500 Fashion-MNIST images written with 8 characters per value. */
    public static final int DEFAULT_MAX_BODY_BYTES = 4 << 20;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

    public ServerOptions {
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new InvalidConfigurationException("seedflow.serving.bind-address", bindAddress,
                    "must be a host name or IP address, e.g. 0.0.0.0 or 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidConfigurationException("seedflow.serving.port", port,
                    "must be in [0, 65535] (0 picks a free port)");
        }
        if (threads < 1 || threads > 1024) {
            throw new InvalidConfigurationException("seedflow.serving.threads", threads, "must be in [1, 1024]");
        }
        if (maxBodyBytes < 1024 || maxBodyBytes > (256 << 20)) {
            throw new InvalidConfigurationException("seedflow.serving.max-body-bytes", maxBodyBytes,
                    "must be in [1024, 268435456] (1 KiB to 256 MiB)");
        }
        if (shutdownGrace == null || shutdownGrace.isNegative() || shutdownGrace.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new InvalidConfigurationException("seedflow.serving.shutdown-grace", shutdownGrace,
                    "must be in [0, 5 min]");
        }
    }
}
