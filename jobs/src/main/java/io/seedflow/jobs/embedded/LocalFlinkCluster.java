package io.seedflow.jobs.embedded;

import io.seedflow.core.error.PortInUseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The embedded demo's Flink: a local cluster in this JVM with the web dashboard ({@code flink-runtime-web}) on
 * {@code http://localhost:<port>}, parallelism 1, checkpoints in a local directory. The cluster itself starts when a
 * job is submitted ({@code executeAsync}) and stops when that job ends.
 *
 * <p>The dashboard binds to the loopback address only. Its port is checked before the cluster starts, so a port in
 * use fails with a message naming the port and how to choose another instead of a bind error deep in Flink's startup.
 */
public final class LocalFlinkCluster {
    /** Flink's usual dashboard port. */
    public static final int DEFAULT_WEB_PORT = 8081;
    static final String LOOPBACK = "127.0.0.1";

    private LocalFlinkCluster() {
    }

    /**
     * A local environment with the web dashboard on {@code webPort} of the loopback address.
     *
     * @param webPort the dashboard's port, 1..65535 (pick a free one with {@link #freeLoopbackPort()})
     * @param checkpointDir where checkpoints go (created by Flink)
     * @param portHint how the user chooses another port, for the error message (e.g. "pass --web-port N")
     * @throws PortInUseException if {@code webPort} is already in use
     */
    public static StreamExecutionEnvironment createEnvironment(int webPort, Path checkpointDir, String portHint) {
        if (webPort < 1 || webPort > 65_535) {
            throw new IllegalArgumentException("web port: expected 1..65535, got " + webPort);
        }
        requireFree(webPort, portHint);
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, "localhost");
        conf.set(RestOptions.BIND_ADDRESS, LOOPBACK);
        conf.set(RestOptions.PORT, webPort);
        conf.set(RestOptions.BIND_PORT, Integer.toString(webPort));
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toAbsolutePath().toUri().toString());
        // the dashboard's metrics refresh every 2 s instead of 10 s
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(2));
        // a demo that keeps failing should say so, not restart forever
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        env.setParallelism(1);
        return env;
    }

    /** A port that was free on the loopback address a moment ago (another process may take it before we do). */
    public static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("finding a free port on " + LOOPBACK, e);
        }
    }

    /**
     * Fails unless {@code port} can be bound on the loopback address now.
     *
     * @throws PortInUseException naming the port and {@code portHint}
     */
    public static void requireFree(int port, String portHint) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
        } catch (IOException e) {
            throw new PortInUseException("web (Flink dashboard)", port,
                    "another Flink dashboard or demo running? " + portHint, e);
        }
    }
}
