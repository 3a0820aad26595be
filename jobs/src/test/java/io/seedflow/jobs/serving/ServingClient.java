package io.seedflow.jobs.serving;

import io.seedflow.core.json.JsonNumber;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Requests to a {@link PredictionServer} on loopback, and the parts of its JSON answers, for the serving tests. */
@SuppressWarnings("unchecked") // casts of parsed JSON values
final class ServingClient {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServingClient() {
    }

    record Response(int status, String body, Map<String, List<String>> headers) {
        Map<Object, Object> json() {
            return (Map<Object, Object>) ServingJson.parse(body);
        }

        String message() {
            return (String) json().get("message");
        }
    }

    static Response send(PredictionServer server, String method, String path, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(60));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r.headers().map());
    }

    static Response post(PredictionServer server, String path, String body) throws Exception {
        return send(server, "POST", path, body.getBytes(StandardCharsets.UTF_8));
    }

    static float[] floats(Object jsonArray) {
        List<Object> l = (List<Object>) jsonArray;
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((JsonNumber) l.get(i)).floatValue();
        }
        return f;
    }

    static long integer(Object jsonNumber) {
        return Long.parseLong(((JsonNumber) jsonNumber).text());
    }
}
