package io.seedflow.jobs.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A client of the Open Inference Protocol v2 REST API written from the protocol's documentation (KServe's "Open
 * Inference Protocol (V2 Inference Protocol)", REST section: health, server and model metadata, inference request and
 * response JSON, error responses), with Jackson and the JDK's HTTP client only: nothing of SeedFlow's serving code, so
 * that the tests check the server against the protocol rather than against itself.
 */
final class OpenInferenceClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    OpenInferenceClient(String host, int port) {
        this.base = "http://" + host + ":" + port;
    }

    /** An answer: the status code and the JSON body. */
    record Answer(int status, JsonNode body, String contentType) {
        /** The protocol's health semantics: 200 is true, 4xx is false. */
        boolean healthy() {
            if (status != 200 && (status < 400 || status > 499)) {
                throw new AssertionError("a health endpoint answered " + status + ", neither 200 nor 4xx");
            }
            return status == 200;
        }

        /** The {@code error} string of an error response. */
        String error() {
            return body.get("error").asText();
        }
    }

    Answer serverLive() throws Exception {
        return get("/v2/health/live");
    }

    Answer serverReady() throws Exception {
        return get("/v2/health/ready");
    }

    Answer serverMetadata() throws Exception {
        return get("/v2");
    }

    Answer modelReady(String model) throws Exception {
        return get("/v2/models/" + model + "/ready");
    }

    Answer modelMetadata(String model) throws Exception {
        return get("/v2/models/" + model);
    }

    /** {@code $inference_request} with one FP32 input of shape {@code [rows, data.length / rows]}, data flat. */
    static ObjectNode fp32Request(String inputName, int rows, float[] data) {
        ObjectNode request = JSON.createObjectNode();
        ObjectNode input = request.putArray("inputs").addObject();
        input.put("name", inputName);
        input.putArray("shape").add(rows).add(data.length / rows);
        input.put("datatype", "FP32");
        ArrayNode values = input.putArray("data");
        for (float f : data) {
            values.add(f);
        }
        return request;
    }

    /** {@code $inference_request} with one BYTES input of shape {@code [texts.length]}. */
    static ObjectNode bytesRequest(String inputName, String... texts) {
        ObjectNode request = JSON.createObjectNode();
        ObjectNode input = request.putArray("inputs").addObject();
        input.put("name", inputName);
        input.putArray("shape").add(texts.length);
        input.put("datatype", "BYTES");
        ArrayNode values = input.putArray("data");
        for (String t : texts) {
            values.add(t);
        }
        return request;
    }

    Answer infer(String model, JsonNode request) throws Exception {
        return post("/v2/models/" + model + "/infer", JSON.writeValueAsString(request));
    }

    Answer get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Answer post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        String type = r.headers().firstValue("Content-Type").orElse("");
        return new Answer(r.statusCode(), type.startsWith("application/json") ? JSON.readTree(r.body()) : null, type);
    }

    /** The output named {@code name} of an inference response. */
    static JsonNode output(JsonNode response, String name) {
        for (JsonNode o : response.get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output '" + name + "' in " + response);
    }
}
