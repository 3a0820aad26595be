package io.seedflow.jobs.serving;

import com.sun.net.httpserver.HttpServer;
import io.seedflow.core.error.InvalidConfigurationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server that answers predictions from a {@link ServedModel} (see {@link ServingHttpHandler} for the
 * endpoints), on the JDK's built-in HTTP server with a bounded pool of request threads.
 *
 * <p>Lifecycle: {@link #start} binds and serves; {@link #close()} refuses new requests (503), waits up to
 * {@link ServerOptions#shutdownGrace()} for the ones in flight, then stops the listener and the threads and closes the
 * tokenizers of text models. Closing the server does not close the model.
 */
public final class PredictionServer implements AutoCloseable {
    /** Queued requests per request thread before the accepting thread runs requests itself. */
    private static final int QUEUE_PER_THREAD = 64;

    private final ServerOptions options;
    private final HttpServer http;
    private final ThreadPoolExecutor executor;
    private final ServingHttpHandler handler;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ServingMetrics metrics;
    private volatile boolean closing;
    private boolean closed;

    private PredictionServer(ServedModel model, ServerOptions options, ServingMetrics metrics) {
        this.options = options;
        this.metrics = metrics;
        metrics.watch(model);
        InetSocketAddress address = new InetSocketAddress(options.bindAddress(), options.port());
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("bind address '" + options.bindAddress()
                    + "' does not resolve; expected a local host name or IP address such as 0.0.0.0");
        }
        try {
            http = HttpServer.create(address, 0);
        } catch (BindException e) {
            throw new InvalidConfigurationException("seedflow.serving.port", options.port(), "cannot listen on "
                    + options.bindAddress() + ":" + options.port() + " (" + e.getMessage()
                    + "); pick a free port, or 0 for any");
        } catch (IOException e) {
            throw new UncheckedIOException("binding the prediction server to " + options.bindAddress() + ":"
                    + options.port() + ": " + e.getMessage(), e);
        }
        AtomicInteger threadCount = new AtomicInteger();
        executor = new ThreadPoolExecutor(options.threads(), options.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE_PER_THREAD * options.threads()), r -> {
                    Thread t = new Thread(r, "seedflow-serving-" + threadCount.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        handler = new ServingHttpHandler(this, model, options.maxBodyBytes(), metrics);
        http.createContext("/", handler);
        http.setExecutor(executor);
    }

    /** Binds to {@link ServerOptions#bindAddress()}:{@link ServerOptions#port()} and starts serving {@code model}. */
    public static PredictionServer start(ServedModel model, ServerOptions options) {
        return start(model, options, new ServingMetrics());
    }

    /**
     * Like {@link #start(ServedModel, ServerOptions)}, reporting on {@code /metrics} through {@code metrics}, which
     * may also listen to the model's subscriber (apply times, bootstraps, refusals).
     */
    public static PredictionServer start(ServedModel model, ServerOptions options, ServingMetrics metrics) {
        PredictionServer s = new PredictionServer(Objects.requireNonNull(model, "model"),
                Objects.requireNonNull(options, "options"), Objects.requireNonNull(metrics, "metrics"));
        s.http.start();
        return s;
    }

    /** The port the server listens on (the one picked when {@link ServerOptions#port()} is 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Prediction requests answered with 200. */
    public long predictRequests() {
        return metrics.predictRequests();
    }

    /** Examples predicted (a batch request counts each of its instances). */
    public long predictions() {
        return metrics.predictions();
    }

    /** Requests to any endpoint answered with a 4xx or 5xx status. */
    public long errors() {
        return metrics.errors();
    }

    /** Stops serving: new requests get 503, requests in flight get up to the shutdown grace to finish. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closing = true;
        long deadline = System.nanoTime() + options.shutdownGrace().toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // no delay here: the JDK's HttpServer.stop(n) waits the full n seconds even when nothing is in flight
        http.stop(0);
        executor.shutdownNow();
        handler.close(); // a request still running past the grace closes its tokenizer when it ends
    }

    // --------------------------------------------------------------------------------- called by the handler

    /** Registers a request in flight; false once the server is closing (the request is answered 503). */
    boolean enter() {
        inFlight.incrementAndGet();
        if (closing) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    void exit() {
        inFlight.decrementAndGet();
    }


    @Override
    public String toString() {
        return "PredictionServer[" + http.getAddress() + "]";
    }
}
