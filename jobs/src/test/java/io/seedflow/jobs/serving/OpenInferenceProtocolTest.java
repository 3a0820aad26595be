package io.seedflow.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.jobs.serving.OpenInferenceClient.Answer;
import io.seedflow.jobs.serving.PredictionServerTest.FixedModel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Open Inference Protocol v2 ({@link V2Endpoints}) and {@code /metrics}, through {@link OpenInferenceClient} (a
 * client written from the protocol's documentation), on fixed MLP weights; the text model's BYTES input is in
 * {@link TextPredictionServerTest}.
 */
class OpenInferenceProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "m-fixed";
    private static final float[] TWO_EXAMPLES = {0.5f, -1f, 2f, 0.25f, 1e-3f, -0.75f, 1f, 1f, -2f, 0f, 3f, 0.5f};

    private final FixedModel model = new FixedModel();
    private final Mlp mlp = new Mlp(MlpSpec.parse("mlp:6x5x3:relu"));
    private PredictionServer server;
    private OpenInferenceClient client;

    @BeforeEach
    void start() {
        server = PredictionServer.start(model, new ServerOptions("127.0.0.1", 0, 2, 1 << 20, Duration.ofSeconds(2)));
        client = new OpenInferenceClient("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void healthFollowsTheReplicaAndReadinessTheWeights() throws Exception {
        assertThat(client.serverLive().healthy()).isTrue();
        assertThat(client.serverReady().healthy()).as("no weights yet").isFalse();
        assertThat(client.modelReady(MODEL).body().get("ready").asBoolean()).isFalse();

        model.weights = mlp.initialize(3);
        Answer ready = client.serverReady();
        assertThat(ready.healthy()).isTrue();
        assertThat(ready.body().get("ready").asBoolean()).isTrue();
        Answer modelReady = client.modelReady(MODEL);
        assertThat(modelReady.healthy()).isTrue();
        assertThat(modelReady.body().get("name").asText()).isEqualTo(MODEL);

        model.following = false; // stopped following the log: not live (restart me), still ready (stale weights)
        assertThat(client.serverLive().healthy()).isFalse();
        assertThat(client.serverLive().body().get("live").asBoolean()).isFalse();
        assertThat(client.serverReady().healthy()).isTrue();
    }

    @Test
    void serverAndModelMetadataDescribeTheTensors() throws Exception {
        model.weights = mlp.initialize(3);
        JsonNode server = client.serverMetadata().body();
        assertThat(server.get("name").asText()).isEqualTo("seedflow");
        assertThat(server.get("version").asText()).isNotEmpty();
        assertThat(server.get("extensions").isArray()).isTrue();

        Answer answer = client.modelMetadata(MODEL);
        assertThat(answer.status()).isEqualTo(200);
        JsonNode meta = answer.body();
        assertThat(meta.get("name").asText()).isEqualTo(MODEL);
        assertThat(meta.get("versions").get(0).asText()).isEqualTo("7");
        assertThat(meta.get("platform").asText()).isEqualTo("seedflow_mlp");
        assertThat(meta.get("inputs").toString())
                .isEqualTo("[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[-1,6]}]");
        assertThat(meta.get("outputs").toString()).isEqualTo("[{\"name\":\"probabilities\",\"datatype\":\"FP32\","
                + "\"shape\":[-1,3]},{\"name\":\"label\",\"datatype\":\"INT64\",\"shape\":[-1]}]");
        assertThat(client.get("/v2/models/" + MODEL + "/versions/7").status()).isEqualTo(200);
    }

    @Test
    void inferReturnsCoresProbabilitiesBitForBitAndTheLabels() throws Exception {
        model.weights = mlp.initialize(3);
        float[][] expected = mlp.probabilities(model.weights, new Batch(TWO_EXAMPLES, new int[2], 2, 6));
        ObjectNode request = OpenInferenceClient.fp32Request("features", 2, TWO_EXAMPLES);
        request.put("id", "req-42");

        Answer answer = client.infer(MODEL, request);
        assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(200);
        JsonNode body = answer.body();
        assertThat(body.get("model_name").asText()).isEqualTo(MODEL);
        assertThat(body.get("model_version").asText()).isEqualTo("7");
        assertThat(body.get("id").asText()).isEqualTo("req-42");
        JsonNode probabilities = OpenInferenceClient.output(body, "probabilities");
        assertThat(probabilities.get("datatype").asText()).isEqualTo("FP32");
        assertThat(probabilities.get("shape").toString()).isEqualTo("[2,3]");
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                assertThat(Float.floatToIntBits((float) probabilities.get("data").get(n * 3 + c).asDouble()))
                        .isEqualTo(Float.floatToIntBits(expected[n][c]));
            }
        }
        JsonNode labels = OpenInferenceClient.output(body, "label");
        assertThat(labels.get("datatype").asText()).isEqualTo("INT64");
        assertThat(labels.get("shape").toString()).isEqualTo("[2]");
        assertThat(labels.get("data").get(0).asInt()).isEqualTo(PredictEndpoint.argmax(expected[0]));
        assertThat(labels.get("data").get(1).asInt()).isEqualTo(PredictEndpoint.argmax(expected[1]));

        // the same data nested as the shape, through the versioned path, asking for the label only
        String nested = "{\"inputs\":[{\"name\":\"features\",\"shape\":[2,6],\"datatype\":\"FP32\",\"data\":"
                + "[[0.5,-1,2,0.25,0.001,-0.75],[1,1,-2,0,3,0.5]]}],\"outputs\":[{\"name\":\"label\"}]}";
        Answer labelOnly = client.post("/v2/models/" + MODEL + "/versions/7/infer", nested);
        assertThat(labelOnly.status()).isEqualTo(200);
        assertThat(labelOnly.body().get("outputs")).hasSize(1);
        assertThat(OpenInferenceClient.output(labelOnly.body(), "label").get("data")).isEqualTo(labels.get("data"));
        assertThat(server.predictRequests()).isEqualTo(2);
        assertThat(server.predictions()).isEqualTo(4);
    }

    @Test
    void badRequestsGetAnErrorNamingTheFieldAndTheValue() throws Exception {
        model.weights = mlp.initialize(3);
        float[] one = {1, 2, 3, 4, 5, 6};
        expectError(client.infer("other", OpenInferenceClient.fp32Request("features", 1, one)), 404,
                "model 'other' is not served here; this replica serves model 'm-fixed'");
        expectError(client.post("/v2/models/" + MODEL + "/versions/3/infer",
                JSON.writeValueAsString(OpenInferenceClient.fp32Request("features", 1, one))), 404,
                "version 3 is not served; this replica serves version 7");
        expectError(client.infer(MODEL, OpenInferenceClient.fp32Request("x", 1, one)), 400,
                "model mlp:6x5x3:relu takes the input \"features\" of datatype FP32, got \"x\"");
        expectError(client.infer(MODEL, OpenInferenceClient.bytesRequest("text", "hello")), 400,
                "takes the input \"features\" of datatype FP32, got \"text\" of BYTES");
        expectError(client.infer(MODEL, OpenInferenceClient.fp32Request("features", 2, new float[] {1, 2, 3, 4})),
                400, "inputs[0] example 0: expected 6 features, got 2");
        ObjectNode int8 = OpenInferenceClient.fp32Request("features", 1, one);
        ((ObjectNode) int8.get("inputs").get(0)).put("datatype", "INT8");
        expectError(client.infer(MODEL, int8), 400,
                "inputs[0].datatype: expected FP32 (features) or BYTES (texts), got a string \"INT8\"");
        ObjectNode wrongShape = OpenInferenceClient.fp32Request("features", 1, one);
        ((ObjectNode) wrongShape.get("inputs").get(0)).putArray("shape").add(2).add(6);
        expectError(client.infer(MODEL, wrongShape), 400, "inputs[0].data: shape [2, 6] holds 12 elements, got 6");
        ObjectNode binary = OpenInferenceClient.fp32Request("features", 1, one);
        ((ObjectNode) binary.get("inputs").get(0)).putObject("parameters").put("binary_data_size", 24);
        expectError(client.infer(MODEL, binary), 400, "binary tensor extension is not supported");
        ObjectNode typo = OpenInferenceClient.fp32Request("features", 1, one);
        typo.set("input", typo.remove("inputs"));
        expectError(client.infer(MODEL, typo), 400, "request body: unknown field \"input\"");
        ObjectNode badOutput = OpenInferenceClient.fp32Request("features", 1, one);
        badOutput.putArray("outputs").addObject().put("name", "logits");
        expectError(client.infer(MODEL, badOutput), 400,
                "outputs[0].name: expected one of [probabilities, label], got a string \"logits\"");
        ObjectNode nan = OpenInferenceClient.fp32Request("features", 1, one);
        ((ObjectNode) nan.get("inputs").get(0)).putArray("data").add(1).add(2).add(3).add(4).add(5).add(1e300);
        expectError(client.infer(MODEL, nan), 400, "inputs[0].data[5]: expected a finite number within the float32");
        expectError(client.post("/v2/models/" + MODEL + "/infer", "{\"inputs\": ["), 400, "");
        expectError(client.get("/v2/models/" + MODEL + "/infer"), 405, "method GET is not allowed");
        expectError(client.get("/v2/repository/index"), 404, "no endpoint GET /v2/repository/index");
        assertThat(server.predictRequests()).isZero();
    }

    @Test
    void metricsAreScrapedInThePrometheusTextFormat() throws Exception {
        model.weights = mlp.initialize(3);
        client.infer(MODEL, OpenInferenceClient.fp32Request("features", 2, TWO_EXAMPLES));
        client.infer("other", OpenInferenceClient.fp32Request("features", 2, TWO_EXAMPLES));
        client.post("/v1/predict", "{\"features\":[1,2,3,4,5,6]}");
        client.get("/v2/models/" + MODEL + "/ready");
        client.get("/no/such/path/" + System.nanoTime()); // one label for every unknown path

        Answer scrape = client.get("/metrics");
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.contentType()).startsWith("text/plain; version=0.0.4");
        String text = ServingClient.send(server, "GET", "/metrics", null).body();
        assertThat(text).contains("seedflow_replica_model_version{model=\"m-fixed\"} 7.0")
                .contains("seedflow_replica_steps_behind{model=\"m-fixed\"} 0.0")
                .contains("seedflow_replica_following{model=\"m-fixed\"} 1.0")
                .contains("seedflow_serving_requests_total{code=\"200\",endpoint=\"/v2/models/{name}/infer\"} 1.0")
                .contains("seedflow_serving_requests_total{code=\"404\",endpoint=\"/v2/models/{name}/infer\"} 1.0")
                .contains("seedflow_serving_requests_total{code=\"200\",endpoint=\"/v1/predict\"} 1.0")
                .contains("seedflow_serving_requests_total{code=\"404\",endpoint=\"other\"} 1.0")
                .contains("seedflow_serving_prediction_requests_total 2.0")
                .contains("seedflow_serving_predictions_total 3.0")
                .contains("seedflow_serving_request_errors_total 2.0")
                .contains("seedflow_serving_request_seconds_count{endpoint=\"/v1/predict\"} 1")
                .contains("# TYPE seedflow_replica_apply_seconds histogram");

        java.net.http.HttpResponse<String> openMetrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port()
                        + "/metrics")).header("Accept", "application/openmetrics-text; version=1.0.0").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(openMetrics.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/openmetrics-text");
        assertThat(openMetrics.body()).endsWith("# EOF\n");
    }

    private static void expectError(Answer answer, int status, String message) {
        assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(status);
        assertThat(answer.body().fieldNames()).toIterable().containsExactly("error");
        assertThat(answer.error()).contains(message);
    }
}
