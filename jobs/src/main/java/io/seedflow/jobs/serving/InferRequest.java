package io.seedflow.jobs.serving;

import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.json.JsonSyntaxException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of an Open Inference Protocol v2 {@code POST /v2/models/{name}/infer} (the REST protocol of KServe and
 * Triton): one input tensor, {@code "features"} of datatype {@code FP32} (or {@code FP64}) and shape {@code [n, f]}
 * (or {@code [f]}: one example) for a model of features, {@code "text"} of datatype {@code BYTES} and shape {@code [n]}
 * (or {@code [n, 1]}) holding UTF-8 strings for a text model; its {@code data} flat in row-major order or nested as
 * the shape. Optional: {@code id} (echoed), {@code parameters} (ignored) and {@code outputs} (which of
 * {@link #PROBABILITIES} and {@link #LABEL} to return; all when absent). The binary tensor extension is not
 * supported. Every refusal is an {@link HttpError} 400 naming the field, the value and what is expected.
 */
final class InferRequest {
    static final String FEATURES = "features";
    static final String TEXT = "text";
    static final String PROBABILITIES = "probabilities";
    static final String LABEL = "label";
    static final List<String> OUTPUTS = List.of(PROBABILITIES, LABEL);

    private static final String INPUT = "inputs[0]";
    private static final Set<String> REQUEST_FIELDS = Set.of("id", "parameters", "inputs", "outputs");
    private static final Set<String> INPUT_FIELDS = Set.of("name", "shape", "datatype", "parameters", "data");

    private final String id;
    private final String inputName;
    private final InputKind kind;
    private final PredictRequest examples;
    private final List<String> outputs;

    private InferRequest(String id, String inputName, InputKind kind, PredictRequest examples, List<String> outputs) {
        this.id = id;
        this.inputName = inputName;
        this.kind = kind;
        this.examples = examples;
        this.outputs = outputs;
    }

    /** The request's {@code id}, or null. */
    String id() {
        return id;
    }

    /** The examples, validated as far as they can be without the model. */
    PredictRequest examples() {
        return examples;
    }

    /** The outputs to return, in the order asked for. */
    List<String> outputs() {
        return outputs;
    }

    /** The name of the input tensor a model of {@code spec} takes (model metadata). */
    static String inputName(ModelSpec spec) {
        return spec.inputKind() == InputKind.TOKENS ? TEXT : FEATURES;
    }

    /** Refuses the request unless its input is the one {@code spec}'s model takes (name, kind, feature count). */
    void requireInputOf(ModelSpec spec) {
        String expected = inputName(spec);
        String datatype = spec.inputKind() == InputKind.TOKENS ? "BYTES" : "FP32";
        if (kind != spec.inputKind() || !expected.equals(inputName)) {
            throw HttpError.badRequest(INPUT + ": model " + spec.toText() + " takes the input \"" + expected
                    + "\" of datatype " + datatype + ", got \"" + inputName + "\" of "
                    + (kind == InputKind.TOKENS ? "BYTES" : "numbers"));
        }
        if (kind == InputKind.DENSE) {
            examples.requireFeatureCount(spec.inputWidth());
        }
    }

    static InferRequest parse(String body) {
        Object root;
        try {
            root = ServingJson.parse(body);
        } catch (JsonSyntaxException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        Map<?, ?> fields = object("request body", root, REQUEST_FIELDS);
        Object id = fields.get("id");
        if (id != null && !(id instanceof String)) {
            throw HttpError.badRequest("id: expected a string, got " + PredictRequest.describe(id));
        }
        if (!(fields.get("inputs") instanceof List<?> inputs) || inputs.size() != 1) {
            throw HttpError.badRequest("inputs: expected an array of one input tensor (\"" + FEATURES + "\" or \""
                    + TEXT + "\"), got " + PredictRequest.describe(fields.get("inputs")));
        }
        Map<?, ?> input = object(INPUT, inputs.get(0), INPUT_FIELDS);
        if (input.get("parameters") instanceof Map<?, ?> p && p.containsKey("binary_data_size")) {
            throw HttpError.badRequest(INPUT + ".parameters.binary_data_size: the binary tensor extension is not "
                    + "supported; send the data as JSON");
        }
        if (!(input.get("name") instanceof String name) || name.isEmpty()) {
            throw HttpError.badRequest(INPUT + ".name: expected \"" + FEATURES + "\" or \"" + TEXT + "\", got "
                    + PredictRequest.describe(input.get("name")));
        }
        long[] shape = shape(input.get("shape"));
        List<Object> data = new ArrayList<>();
        flatten(INPUT + ".data", input.get("data"), data, 0);
        long elements = 1;
        for (long d : shape) {
            elements = Math.multiplyExact(elements, d);
        }
        if (elements != data.size()) {
            throw HttpError.badRequest(INPUT + ".data: shape " + Arrays.toString(shape) + " holds "
                    + elements + " elements, got " + data.size());
        }
        Object datatype = input.get("datatype");
        PredictRequest examples;
        InputKind kind;
        if ("BYTES".equals(datatype)) {
            kind = InputKind.TOKENS;
            examples = texts(shape, data);
        } else if ("FP32".equals(datatype) || "FP64".equals(datatype)) {
            kind = InputKind.DENSE;
            examples = features(shape, data);
        } else {
            throw HttpError.badRequest(INPUT + ".datatype: expected FP32 (features) or BYTES (texts), got "
                    + PredictRequest.describe(datatype));
        }
        return new InferRequest((String) id, name, kind, examples, outputs(fields.get("outputs")));
    }

    private static PredictRequest texts(long[] shape, List<Object> data) {
        if (shape.length != 1 && !(shape.length == 2 && shape[1] == 1)) {
            throw HttpError.badRequest(INPUT + ".shape: expected [n] or [n, 1] for BYTES, got "
                    + Arrays.toString(shape));
        }
        if (data.isEmpty() || data.size() > PredictRequest.MAX_TEXTS) {
            throw HttpError.badRequest(INPUT + ": expected 1 to " + PredictRequest.MAX_TEXTS + " texts, got "
                    + data.size() + (data.isEmpty() ? "" : "; send larger batches in several requests"));
        }
        List<String> texts = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            texts.add(PredictRequest.text(INPUT + ".data[" + i + "]", data.get(i)));
        }
        return PredictRequest.ofTexts(texts, n -> INPUT + ".data[" + n + "]");
    }

    private static PredictRequest features(long[] shape, List<Object> data) {
        if (shape.length != 1 && shape.length != 2) {
            throw HttpError.badRequest(INPUT + ".shape: expected [n, features] or [features] for FP32, got "
                    + Arrays.toString(shape));
        }
        int rows = shape.length == 1 ? 1 : (int) shape[0];
        int width = (int) shape[shape.length - 1];
        if (rows == 0 || width == 0) {
            throw HttpError.badRequest(INPUT + ".shape: expected at least one example of at least one feature, got "
                    + Arrays.toString(shape));
        }
        float[] all = PredictRequest.floats(INPUT + ".data", data);
        float[][] instances = new float[rows][];
        for (int n = 0; n < rows; n++) {
            instances[n] = Arrays.copyOfRange(all, n * width, (n + 1) * width);
        }
        return PredictRequest.ofFeatures(instances, n -> INPUT + " example " + n);
    }

    private static long[] shape(Object value) {
        if (!(value instanceof List<?> dims) || dims.isEmpty() || dims.size() > 2) {
            throw HttpError.badRequest(INPUT + ".shape: expected an array of 1 or 2 sizes, got "
                    + PredictRequest.describe(value));
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof JsonNumber n) || !n.text().matches("\\d{1,9}")) {
                throw HttpError.badRequest(INPUT + ".shape[" + i + "]: expected a size from 0 to 999999999, got "
                        + PredictRequest.describe(dims.get(i)));
            }
            shape[i] = Long.parseLong(n.text());
        }
        return shape;
    }

    /** Appends the values of {@code value} (an array, possibly nested as the shape) in row-major order. */
    private static void flatten(String field, Object value, List<Object> out, int depth) {
        if (!(value instanceof List<?> list)) {
            throw HttpError.badRequest(field + ": expected an array, got " + PredictRequest.describe(value));
        }
        for (Object v : list) {
            if (v instanceof List<?> && depth < 1) {
                flatten(field, v, out, depth + 1);
            } else {
                out.add(v);
            }
        }
    }

    private static List<String> outputs(Object value) {
        if (value == null) {
            return OUTPUTS;
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw HttpError.badRequest("outputs: expected an array of outputs to return (" + OUTPUTS + "), got "
                    + PredictRequest.describe(value));
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Map<?, ?> output = object("outputs[" + i + "]", list.get(i), Set.of("name", "parameters"));
            Object name = output.get("name");
            if (!OUTPUTS.contains(name)) {
                throw HttpError.badRequest("outputs[" + i + "].name: expected one of " + OUTPUTS + ", got "
                        + PredictRequest.describe(name));
            }
            names.add((String) name);
        }
        return List.copyOf(names);
    }

    private static Map<?, ?> object(String field, Object value, Set<String> allowed) {
        if (!(value instanceof Map<?, ?> map)) {
            throw HttpError.badRequest(field + ": expected a JSON object, got " + PredictRequest.describe(value));
        }
        for (Object key : map.keySet()) {
            if (!allowed.contains(key)) {
                throw HttpError.badRequest(field + ": unknown field \"" + key + "\"; expected "
                        + allowed.stream().sorted().toList());
            }
        }
        return map;
    }
}
