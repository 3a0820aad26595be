package io.seedflow.jobs.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes requests to the endpoints and turns their results and {@link HttpError}s into JSON responses. Unknown path:
 * 404; known path, wrong method: 405 with {@code Allow}; a body over the limit: 413; anything unexpected: 500 (logged).
 * SeedFlow's own {@code /v1} endpoints ({@link PredictEndpoint}, {@link StatusEndpoints}), the Open Inference Protocol
 * v2 ({@link V2Endpoints}; its errors are {@code {"error":"..."}}) and {@code /metrics} ({@link ServingMetrics}), which
 * also counts and times every request by endpoint.
 */
final class ServingHttpHandler implements HttpHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingHttpHandler.class);
    static final String ENDPOINTS = "POST /v1/predict, GET /v1/model, GET /health, GET /ready, GET /metrics, GET /v2, "
            + "GET /v2/health/live, GET /v2/health/ready, GET /v2/models/{name}[/versions/{v}][/ready], "
            + "POST /v2/models/{name}[/versions/{v}]/infer";
    private static final Pattern V2_MODEL = Pattern.compile("/v2/models/[^/]+(/versions/[^/]+)?(/ready|/infer)?");
    private static final String STARTED = "seedflow.started";
    /** Bytes of an over-limit body read and dropped so the client sees the 413 rather than a reset connection. */
    private static final long MAX_DISCARD_BYTES = 64L << 20;

    private final PredictionServer server;
    private final PredictEndpoint predict;
    private final StatusEndpoints status;
    private final V2Endpoints v2;
    private final ServingMetrics metrics;
    private final int maxBodyBytes;

    ServingHttpHandler(PredictionServer server, ServedModel model, int maxBodyBytes, ServingMetrics metrics) {
        this.server = server;
        this.predict = new PredictEndpoint(model);
        this.status = new StatusEndpoints(model);
        this.v2 = new V2Endpoints(model, predict);
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Releases what the endpoints hold (the tokenizers); call once no request runs any more. */
    @Override
    public void close() {
        predict.close();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        exchange.setAttribute(STARTED, System.nanoTime());
        try (exchange) {
            if (!server.enter()) {
                send(exchange, 503, error(503, "the server is shutting down"));
                return;
            }
            try {
                route(exchange);
            } finally {
                server.exit();
            }
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        try {
            switch (path) {
                case "/v1/predict" -> {
                    allow(exchange, "POST");
                    PredictRequest request = PredictRequest.parse(body(exchange));
                    String answer = predict.predict(request);
                    metrics.prediction(request.count());
                    send(exchange, 200, answer);
                }
                case "/health" -> {
                    allow(exchange, "GET");
                    StatusEndpoints.Status s = status.health();
                    send(exchange, s.code(), s.body());
                }
                case "/ready" -> {
                    allow(exchange, "GET");
                    send(exchange, 200, status.ready());
                }
                case "/v1/model" -> {
                    allow(exchange, "GET");
                    send(exchange, 200, status.modelInfo());
                }
                case "/metrics" -> {
                    allow(exchange, "GET");
                    ServingMetrics.Scrape scrape = metrics.scrape(exchange.getRequestHeaders().getFirst("Accept"));
                    send(exchange, 200, scrape.contentType(), scrape.body());
                }
                default -> routeV2(exchange, path);
            }
        } catch (HttpError e) {
            boolean openInference = path.startsWith("/v2");
            send(exchange, e.status(), openInference ? V2Endpoints.error(e.getMessage())
                    : error(e.status(), e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", method, path, e);
            String message = "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage();
            send(exchange, 500, path.startsWith("/v2") ? V2Endpoints.error(message) : error(500, message));
        }
    }

    /** The Open Inference Protocol v2 paths. */
    private void routeV2(HttpExchange exchange, String path) throws IOException {
        switch (path) {
            case "/v2" -> {
                allow(exchange, "GET");
                send(exchange, 200, v2.server());
            }
            case "/v2/health/live" -> {
                allow(exchange, "GET");
                send(exchange, v2.live());
            }
            case "/v2/health/ready" -> {
                allow(exchange, "GET");
                send(exchange, v2.ready());
            }
            default -> {
                if (!V2_MODEL.matcher(path).matches()) {
                    throw new HttpError(404, "no endpoint " + exchange.getRequestMethod() + " " + path
                            + "; endpoints are " + ENDPOINTS);
                }
                if (path.endsWith("/infer")) {
                    allow(exchange, "POST");
                    V2Endpoints.Inference inference = v2.infer(path, body(exchange));
                    metrics.prediction(inference.examples());
                    send(exchange, 200, inference.body());
                } else if (path.endsWith("/ready")) {
                    allow(exchange, "GET");
                    send(exchange, v2.modelReady(path));
                } else {
                    allow(exchange, "GET");
                    send(exchange, 200, v2.metadata(path));
                }
            }
        }
    }

    /** The label of {@code path} in the request metrics: one of a fixed few, whatever the client sent. */
    static String endpointOf(String path) {
        return switch (path) {
            case "/v1/predict", "/v1/model", "/health", "/ready", "/metrics", "/v2", "/v2/health/live",
                    "/v2/health/ready" -> path;
            default -> !V2_MODEL.matcher(path).matches() ? "other"
                    : path.endsWith("/infer") ? "/v2/models/{name}/infer"
                    : path.endsWith("/ready") ? "/v2/models/{name}/ready" : "/v2/models/{name}";
        };
    }

    private static void allow(HttpExchange exchange, String method) {
        if (!exchange.getRequestMethod().equals(method)) {
            exchange.getResponseHeaders().set("Allow", method);
            throw new HttpError(405, "method " + exchange.getRequestMethod() + " is not allowed on "
                    + exchange.getRequestURI().getPath() + "; use " + method);
        }
    }

    /** The request body as text: at most {@code maxBodyBytes} bytes of valid UTF-8. */
    private String body(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        long declared = declaredLength(exchange);
        if (declared > maxBodyBytes) { // refused without buffering any of it
            discard(in);
            throw tooLarge(declared + " bytes");
        }
        byte[] bytes = in.readNBytes(maxBodyBytes + 1);
        if (bytes.length > maxBodyBytes) {
            long dropped = discard(in);
            long seen = bytes.length + dropped;
            throw tooLarge(dropped < MAX_DISCARD_BYTES ? seen + " bytes" : "more than " + seen + " bytes");
        }
        return utf8(bytes);
    }

    /** The Content-Length of the request, or -1 if it has none (chunked). */
    private static long declaredLength(HttpExchange exchange) {
        String v = exchange.getRequestHeaders().getFirst("Content-Length");
        try {
            return v == null ? -1 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1; // not a number: rely on the limit while reading
        }
    }

    private HttpError tooLarge(String size) {
        return new HttpError(413, "request body: expected at most " + maxBodyBytes + " bytes, got " + size
                + "; send large batches in several requests");
    }

    /** Reads and drops the rest of a body, up to {@link #MAX_DISCARD_BYTES}; returns how many bytes it dropped. */
    private static long discard(InputStream in) throws IOException {
        long n = 0;
        byte[] buf = new byte[64 << 10];
        int r;
        while (n < MAX_DISCARD_BYTES && (r = in.read(buf)) > 0) {
            n += r;
        }
        return n;
    }

    static String utf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never has more chars than bytes
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            throw HttpError.badRequest("request body: expected UTF-8 text, got an invalid byte sequence at byte "
                    + in.position());
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    static String error(int status, String message) {
        return ServingJson.write(g -> {
            g.writeStartObject();
            g.writeNumberField("code", status);
            g.writeStringField("error", HttpError.reason(status));
            g.writeStringField("message", message);
            g.writeEndObject();
        });
    }

    private void send(HttpExchange exchange, V2Endpoints.Response response) throws IOException {
        send(exchange, response.code(), response.body());
    }

    private void send(HttpExchange exchange, int status, String json) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
    }

    private void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        Object started = exchange.getAttribute(STARTED);
        metrics.request(endpointOf(exchange.getRequestURI().getPath()), status,
                started instanceof Long t ? System.nanoTime() - t : 0);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (status == 503) {
            exchange.getResponseHeaders().set("Retry-After", "1");
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
