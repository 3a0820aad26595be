package io.seedflow.connectors.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.seedflow.connectors.registry.RegistryStore.RegistryError;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.entities.requests.RegisterSchemaRequest;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.utils.JacksonMapper;

/**
 * Routes the Confluent Schema Registry REST API subset of {@link EmbeddedSchemaRegistry} to a {@link RegistryStore}.
 * Request and response bodies use the Confluent client's own (relocated) entities and Jackson mapper, so both sides
 * agree on the JSON.
 */
final class RegistryHttpHandler implements HttpHandler {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final RegistryStore store;
    private final byte[] expectedAuthorization; // null: no authentication

    RegistryHttpHandler(RegistryStore store, String requiredUserInfo) {
        this.store = store;
        this.expectedAuthorization = requiredUserInfo == null ? null
                : ("Basic " + Base64.getEncoder().encodeToString(requiredUserInfo.getBytes(StandardCharsets.UTF_8)))
                        .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status;
            Object body;
            try {
                authenticate(exchange);
                body = route(exchange.getRequestMethod(), segments(exchange.getRequestURI().getRawPath()), exchange);
                status = 200;
            } catch (RegistryError e) {
                status = e.status;
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("error_code", e.errorCode);
                error.put("message", e.getMessage());
                body = error;
            } catch (RuntimeException e) {
                status = 500;
                body = Map.of("error_code", 50001, "message", "Error in the embedded registry: " + e);
            }
            byte[] bytes = JacksonMapper.INSTANCE.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Object route(String method, List<String> path, HttpExchange exchange) throws RegistryError, IOException {
        int n = path.size();
        if (n == 3 && path.get(0).equals("schemas") && path.get(1).equals("ids")) {
            requireMethod(method, "GET");
            return Map.of("schema", store.schemaById(parseId(path.get(2))));
        }
        if (n >= 1 && path.get(0).equals("subjects")) {
            if (n == 1) {
                requireMethod(method, "GET");
                return store.subjects();
            }
            String subject = path.get(1);
            if (n == 2) {
                requireMethod(method, "POST");
                RegisterSchemaRequest request = readRequest(exchange);
                return entity(store.lookup(subject, request.getSchemaType(), request.getSchema()));
            }
            if (path.get(2).equals("versions")) {
                if (n == 3 && method.equals("POST")) {
                    RegisterSchemaRequest request = readRequest(exchange);
                    return Map.of("id", store.register(subject, request.getSchemaType(), request.getSchema()));
                }
                if (n == 3) {
                    requireMethod(method, "GET");
                    return store.versions(subject);
                }
                if (n == 4) {
                    requireMethod(method, "GET");
                    return entity(store.version(subject, path.get(3)));
                }
            }
        }
        throw new RegistryError(404, 404, "HTTP 404 Not Found: " + method + " /" + String.join("/", path)
                + " is not served by the embedded registry");
    }

    private static Map<String, Object> entity(RegisteredSchema s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", s.subject());
        m.put("version", s.version());
        m.put("id", s.id());
        m.put("schema", s.schema());
        return m;
    }

    private void authenticate(HttpExchange exchange) throws RegistryError {
        if (expectedAuthorization == null) {
            return;
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given == null || !MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8))) {
            throw new RegistryError(401, 401, "Unauthorized: " + (given == null ? "no credentials"
                    : "wrong credentials") + " for the embedded registry");
        }
    }

    private static RegisterSchemaRequest readRequest(HttpExchange exchange) throws RegistryError, IOException {
        String json = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            return RegisterSchemaRequest.fromJson(json);
        } catch (IOException e) {
            throw new RegistryError(422, 42201, "Invalid schema request: expected JSON with a 'schema' field: "
                    + e.getMessage());
        }
    }

    private static void requireMethod(String method, String allowed) throws RegistryError {
        if (!method.equals(allowed)) {
            throw new RegistryError(405, 405, "HTTP 405 Method Not Allowed: " + method + "; expected " + allowed);
        }
    }

    private static int parseId(String raw) throws RegistryError {
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new RegistryError(404, ConfluentRegistryClient.SCHEMA_NOT_FOUND, "Schema " + raw + " not found");
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                // percent-decoding only: '+' in a path is a literal plus
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
