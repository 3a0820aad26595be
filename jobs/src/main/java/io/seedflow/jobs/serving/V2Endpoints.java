package io.seedflow.jobs.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import io.seedflow.core.json.StrictJson;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import java.io.IOException;
import java.util.Optional;

/**
 * The Open Inference Protocol v2 (REST), which KServe and Triton speak, over the same model as {@code /v1}: the model
 * is named by its model id, its one version is the replica's current one (it changes as the log is applied).
 *
 * <ul>
 *   <li>{@code GET /v2}: {@code {"name":"seedflow","version":..,"extensions":[]}}</li>
 *   <li>{@code GET /v2/health/live}: 200 {@code {"live":true}} while the weights follow the log, else 400
 *       {@code {"live":false}} (the protocol: 200 is true, 4xx false)</li>
 *   <li>{@code GET /v2/health/ready}, {@code GET /v2/models/{name}[/versions/{v}]/ready}: 200 {@code {"ready":true}}
 *       once there are weights, else 400 {@code {"ready":false}}</li>
 *   <li>{@code GET /v2/models/{name}[/versions/{v}]}: name, versions, platform, and the input and output tensors</li>
 *   <li>{@code POST /v2/models/{name}[/versions/{v}]/infer}: {@link InferRequest} in; outputs {@code probabilities}
 *       (FP32, {@code [n, classes]}) and {@code label} (INT64, {@code [n]}, the first most probable class)</li>
 * </ul>
 * An unknown model name, or a version other than the current one, is 404; errors are {@code {"error":"..."}}.
 */
final class V2Endpoints {
    static final String SERVER_NAME = "seedflow";
    private static final String SERVER_VERSION = Optional.ofNullable(V2Endpoints.class.getPackage()
            .getImplementationVersion()).orElse("0.1.0");

    private final ServedModel model;
    private final PredictEndpoint predict;

    V2Endpoints(ServedModel model, PredictEndpoint predict) {
        this.model = model;
        this.predict = predict;
    }

    /** A response: status and JSON body. */
    record Response(int code, String body) {
    }

    String server() {
        return ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("name", SERVER_NAME);
            g.writeStringField("version", SERVER_VERSION);
            g.writeArrayFieldStart("extensions");
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    Response live() {
        return flag("live", model.following());
    }

    Response ready() {
        return flag("ready", model.read(s -> true).orElse(false));
    }

    Response modelReady(String path) {
        requireModel(path);
        boolean ready = model.read(s -> true).orElse(false);
        return new Response(ready ? 200 : 400, ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("name", model.modelId());
            g.writeBooleanField("ready", ready);
            g.writeEndObject();
        }));
    }

    String metadata(String path) {
        requireModel(path);
        return model.read(s -> ServingJson.write(g -> {
            ModelSpec spec = predict.spec(s);
            g.writeStartObject();
            g.writeStringField("name", s.modelId());
            g.writeArrayFieldStart("versions");
            g.writeString(Long.toString(s.version()));
            g.writeEndArray();
            g.writeStringField("platform", SERVER_NAME + "_" + spec.family());
            g.writeArrayFieldStart("inputs");
            boolean text = spec.inputKind() == InputKind.TOKENS;
            tensor(g, InferRequest.inputName(spec), text ? "BYTES" : "FP32", text ? new long[] {-1}
                    : new long[] {-1, spec.inputWidth()});
            g.writeEndArray();
            g.writeArrayFieldStart("outputs");
            tensor(g, InferRequest.PROBABILITIES, "FP32", new long[] {-1, spec.classes()});
            tensor(g, InferRequest.LABEL, "INT64", new long[] {-1});
            g.writeEndArray();
            g.writeEndObject();
        })).orElseThrow(() -> StatusEndpoints.noWeights(model));
    }

    /** An inference response's body, and how many examples it predicted. */
    record Inference(String body, int examples) {
    }

    Inference infer(String path, String body) {
        requireModel(path);
        InferRequest request = InferRequest.parse(body);
        PredictEndpoint.Answer a = predict.answer(request.examples(), request::requireInputOf);
        return new Inference(ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", model.modelId());
            g.writeStringField("model_version", Long.toString(a.version()));
            if (request.id() != null) {
                g.writeStringField("id", request.id());
            }
            g.writeArrayFieldStart("outputs");
            for (String output : request.outputs()) {
                if (output.equals(InferRequest.PROBABILITIES)) {
                    probabilities(g, a.probabilities());
                } else {
                    labels(g, a.probabilities());
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }), a.probabilities().length);
    }

    /** The body of an error on a {@code /v2} path. */
    static String error(String message) {
        return ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }

    /**
     * Refuses (404) a path {@code /v2/models/{name}[/versions/{v}]...} that names another model, or a version other
     * than the current one.
     */
    private void requireModel(String path) {
        String[] parts = path.split("/", -1); // "", "v2", "models", name, ["versions", v], ...
        String name = parts[3];
        if (!name.equals(model.modelId())) {
            throw new HttpError(404, "model '" + name + "' is not served here; this replica serves model '"
                    + model.modelId() + "'");
        }
        if (parts.length > 5 && parts[4].equals("versions")) {
            long current = model.read(ModelState::version).orElse(-1L);
            if (!parts[5].equals(Long.toString(current))) {
                throw new HttpError(404, "model '" + name + "' version " + parts[5] + " is not served; this replica "
                        + "serves version " + current + " (the newest it applied from the log), at /v2/models/"
                        + name);
            }
        }
    }

    private static Response flag(String name, boolean value) {
        return new Response(value ? 200 : 400, ServingJson.write(g -> {
            g.writeStartObject();
            g.writeBooleanField(name, value);
            g.writeEndObject();
        }));
    }

    private static void tensor(JsonGenerator g, String name, String datatype, long[] shape) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", datatype);
        g.writeArrayFieldStart("shape");
        for (long d : shape) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void probabilities(JsonGenerator g, float[][] p) throws IOException {
        int classes = p[0].length;
        float[] flat = new float[p.length * classes];
        for (int n = 0; n < p.length; n++) {
            System.arraycopy(p[n], 0, flat, n * classes, classes);
        }
        g.writeStartObject();
        g.writeStringField("name", InferRequest.PROBABILITIES);
        g.writeStringField("datatype", "FP32");
        g.writeArrayFieldStart("shape");
        g.writeNumber(p.length);
        g.writeNumber(classes);
        g.writeEndArray();
        g.writeFieldName("data");
        StrictJson.writeFloats(g, flat);
        g.writeEndObject();
    }

    private static void labels(JsonGenerator g, float[][] p) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", InferRequest.LABEL);
        g.writeStringField("datatype", "INT64");
        g.writeArrayFieldStart("shape");
        g.writeNumber(p.length);
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        for (float[] row : p) {
            g.writeNumber(PredictEndpoint.argmax(row));
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
