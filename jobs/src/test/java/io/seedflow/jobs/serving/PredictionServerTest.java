package io.seedflow.jobs.serving;

import static io.seedflow.jobs.serving.ServingClient.floats;
import static io.seedflow.jobs.serving.ServingClient.integer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.json.JsonNumber;
import io.seedflow.jobs.serving.ServingClient.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP side of the prediction server, on fixed weights (the replica side is in ReplicaServingITCase). */
@SuppressWarnings("unchecked") // casts of parsed JSON values
class PredictionServerTest {
    private static final String SPEC = "mlp:6x5x3:relu";

    /** A model whose state the test sets. */
    static final class FixedModel implements ServedModel {
        volatile ParameterSet weights;
        volatile long version = 7;
        volatile String spec = SPEC;
        volatile boolean following = true;
        volatile Exception error;

        @Override
        public String modelId() {
            return "m-fixed";
        }

        /** Runs once inside the next read, then disarms (lets a test hold a request in flight). */
        final AtomicReference<Runnable> nextRead = new AtomicReference<>();
        /** Reads so far (a request is computed on one version when it reads once). */
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public <R> Optional<R> read(Function<ModelState, R> reader) {
            reads.incrementAndGet();
            Runnable hook = nextRead.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            return weights == null ? Optional.empty()
                    : Optional.of(reader.apply(new ModelState("m-fixed", version, spec, "abc", 5, weights)));
        }

        @Override
        public boolean following() {
            return following;
        }

        @Override
        public Optional<Exception> error() {
            return Optional.ofNullable(error);
        }

        @Override
        public String source() {
            return "a test";
        }
    }

    private final FixedModel model = new FixedModel();
    private final Mlp mlp = new Mlp(MlpSpec.parse(SPEC));
    private PredictionServer server;

    @BeforeEach
    void start() {
        server = PredictionServer.start(model, new ServerOptions("127.0.0.1", 0, 2, 1024, Duration.ofSeconds(2)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Response send(String method, String path, byte[] body) throws Exception {
        return ServingClient.send(server, method, path, body);
    }

    private Response get(String path) throws Exception {
        return send("GET", path, null);
    }

    private Response post(String path, String body) throws Exception {
        return ServingClient.post(server, path, body);
    }

    @Test
    void predictsWithCoresProbabilitiesBitForBit() throws Exception {
        model.weights = mlp.initialize(3);
        float[] x = {0.5f, -1f, 2f, 0.25f, 1e-3f, -0.75f};
        Response r = post("/v1/predict", "{\"features\": [0.5, -1, 2, 0.25, 1e-3, -0.75]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().get("content-type")).containsExactly("application/json; charset=utf-8");
        Map<Object, Object> json = r.json();
        assertThat(json.keySet()).containsExactly("modelId", "modelVersion", "label", "probabilities");
        assertThat(json.get("modelId")).isEqualTo("m-fixed");
        assertThat(integer(json.get("modelVersion"))).isEqualTo(7);
        float[] expected = mlp.probabilities(model.weights, x);
        assertThat(floats(json.get("probabilities"))).containsExactly(expected);
        assertThat(integer(json.get("label"))).isEqualTo(PredictEndpoint.argmax(expected));

        Response batch = post("/v1/predict", "{\"instances\": [[0.5, -1, 2, 0.25, 1e-3, -0.75], [1, 1, 1, 1, 1, 1]]}");
        assertThat(batch.status()).as(batch.body()).isEqualTo(200);
        assertThat(batch.json().keySet()).containsExactly("modelId", "modelVersion", "predictions");
        List<Object> predictions = (List<Object>) batch.json().get("predictions");
        assertThat(predictions).hasSize(2);
        assertThat(floats(((Map<Object, Object>) predictions.get(0)).get("probabilities"))).containsExactly(expected);
        assertThat(floats(((Map<Object, Object>) predictions.get(1)).get("probabilities")))
                .containsExactly(mlp.probabilities(model.weights, new float[] {1, 1, 1, 1, 1, 1}));
        assertThat(server.predictRequests()).isEqualTo(2);
        assertThat(server.predictions()).isEqualTo(3);
        assertThat(server.errors()).isZero();
    }

    @Test
    void withoutWeightsPredictionsAndReadinessAre503() throws Exception {
        Response predict = post("/v1/predict", "{\"features\": [1, 2, 3, 4, 5, 6]}");
        assertThat(predict.status()).isEqualTo(503);
        assertThat(predict.headers().get("retry-after")).containsExactly("1");
        assertThat(predict.message()).isEqualTo("model 'm-fixed' has no weights yet: the replica is bootstrapping "
                + "from a test; retry shortly");
        assertThat(get("/ready").status()).isEqualTo(503);
        assertThat(get("/v1/model").status()).isEqualTo(503);
        Response health = get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"UP\",\"modelId\":\"m-fixed\",\"modelVersion\":-1}");

        model.weights = mlp.initialize(3);
        Response ready = get("/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo(
                "{\"status\":\"READY\",\"modelId\":\"m-fixed\",\"modelVersion\":7,\"following\":true}");
        Response info = get("/v1/model");
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.body()).isEqualTo("{\"modelId\":\"m-fixed\",\"modelSpec\":\"" + SPEC + "\",\"version\":7,"
                + "\"snapshotId\":\"abc\",\"bootstrapStep\":5,\"weightsSha256\":\"" + model.weights.weightsSha256()
                + "\",\"following\":true}");
    }

    @Test
    void healthIs503OnceTheModelStoppedFollowing() throws Exception {
        model.weights = mlp.initialize(3);
        model.error = new IllegalStateException("broker gone");
        model.following = false;
        Response health = get("/health");
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.body()).isEqualTo("{\"status\":\"DOWN\",\"modelId\":\"m-fixed\",\"modelVersion\":7,"
                + "\"message\":\"stopped following a test: IllegalStateException: broker gone\"}");
        // the last version is still correct weights of that version: still ready, still answering
        assertThat(get("/ready").body()).contains("\"following\":false");
        assertThat(post("/v1/predict", "{\"features\": [1, 2, 3, 4, 5, 6]}").status()).isEqualTo(200);
    }

    @Test
    void badRequestsAre400WithTheReason() throws Exception {
        model.weights = mlp.initialize(3);
        Response count = post("/v1/predict", "{\"features\": [1, 2]}");
        assertThat(count.status()).isEqualTo(400);
        assertThat(count.json()).containsEntry("code", new JsonNumber("400")).containsEntry("error", "Bad Request")
                .containsEntry("message", "features: expected 6 features, got 2");
        Response malformed = post("/v1/predict", "{\"features\": [1, 2");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.message()).isEqualTo("malformed JSON at position 18: Unexpected end-of-input: "
                + "expected close marker for Array");
        Response utf8 = send("POST", "/v1/predict", new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'});
        assertThat(utf8.status()).isEqualTo(400);
        assertThat(utf8.message()).isEqualTo("request body: expected UTF-8 text, got an invalid byte sequence at byte 2");
        Response deep = post("/v1/predict", "{\"instances\": " + "[".repeat(900));
        assertThat(deep.status()).isEqualTo(400);
        assertThat(deep.message()).isEqualTo("malformed JSON at position 45: Document nesting depth (33) exceeds the "
                + "maximum allowed (32)");
        Response duplicate = post("/v1/predict", "{\"features\": [1], \"features\": [2]}");
        assertThat(duplicate.status()).isEqualTo(400);
        assertThat(duplicate.message()).isEqualTo("malformed JSON at position 28: Duplicate field 'features'");
        assertThat(server.errors()).isEqualTo(5);
    }

    @Test
    void tooLargeIs413UnknownPathIs404WrongMethodIs405() throws Exception {
        model.weights = mlp.initialize(3);
        Response large = post("/v1/predict", "{\"features\": [" + "0,".repeat(2000) + "0]}");
        assertThat(large.status()).isEqualTo(413);
        assertThat(large.message()).isEqualTo("request body: expected at most 1024 bytes, got 4017 bytes; send large "
                + "batches in several requests");
        // without a Content-Length (chunked) the limit applies while reading
        String chunked = "{\"features\": [" + "0,".repeat(2000) + "0]}";
        HttpResponse<String> r = ServingClient.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port()
                + "/v1/predict")).POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        chunked.getBytes(StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(new Response(r.statusCode(), r.body(), Map.of()).message()).isEqualTo("request body: expected at "
                + "most 1024 bytes, got 4017 bytes; send large batches in several requests");
        Response unknown = get("/v1/predictions");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.message()).isEqualTo("no endpoint GET /v1/predictions; endpoints are "
                + ServingHttpHandler.ENDPOINTS);
        Response wrong = get("/v1/predict");
        assertThat(wrong.status()).isEqualTo(405);
        assertThat(wrong.headers().get("allow")).containsExactly("POST");
        assertThat(wrong.message()).isEqualTo("method GET is not allowed on /v1/predict; use POST");
        assertThat(post("/health", "{}").status()).isEqualTo(405);
    }

    @Test
    void aModelSpecThatIsNoMlpIs500() throws Exception {
        model.weights = mlp.initialize(3);
        model.spec = "transformer:tiny";
        Response r = post("/v1/predict", "{\"features\": [1, 2, 3, 4, 5, 6]}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.message()).startsWith("model 'm-fixed' cannot be served: snapshot abc has model spec "
                + "'transformer:tiny', expected " + ModelSpecs.FORMS + " (");
    }

    @Test
    void closeLetsTheRequestInFlightFinishAndRefusesNewOnes() throws Exception {
        model.weights = mlp.initialize(3);
        CountDownLatch inRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        model.nextRead.set(() -> {
            inRead.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return post("/v1/predict", "{\"features\": [1, 2, 3, 4, 5, 6]}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(inRead.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        Response refused;
        while ((refused = get("/health")).status() == 200) {
            Thread.sleep(5); // until close() has begun
        }
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.message()).isEqualTo("the server is shutting down");
        assertThat(closing).isNotDone();
        release.countDown();
        Response finished = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(finished.status()).as(finished.body()).isEqualTo(200);
        closing.get(10, TimeUnit.SECONDS);
    }

    @Test
    void closeStopsListeningAtOnce() throws Exception {
        long t0 = System.nanoTime();
        server.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThatThrownBy(() -> get("/health")).isInstanceOf(IOException.class);
        server.close(); // idempotent
    }
}
