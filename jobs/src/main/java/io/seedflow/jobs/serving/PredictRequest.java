package io.seedflow.jobs.serving;

import io.seedflow.jobs.serving.JsonReader.JsonNumber;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /v1/predict}: {@code {"features":[x0, x1, ...]}} for one example or
 * {@code {"instances":[[...], [...]]}} for a batch. {@link #parse} checks the shape and that every value is a finite
 * float32; the feature count depends on the model and is checked by {@link #requireFeatureCount} once the model is
 * known. Every refusal is an {@link HttpError} 400 that names the field, the value found and what is expected.
 */
public final class PredictRequest {
    static final String FEATURES = "features";
    static final String INSTANCES = "instances";

    private final float[][] instances;
    private final boolean batch;

    private PredictRequest(float[][] instances, boolean batch) {
        this.instances = instances;
        this.batch = batch;
    }

    /** Whether the request used {@code "instances"} (answered with a list of predictions). */
    public boolean batch() {
        return batch;
    }

    /** Number of examples (1 for {@code "features"}). */
    public int count() {
        return instances.length;
    }

    /** The features of example {@code n}. */
    public float[] instance(int n) {
        return instances[n].clone();
    }

    /** Parses and validates a request body (the JSON text). */
    public static PredictRequest parse(String body) {
        Object root;
        try {
            root = JsonReader.parse(body);
        } catch (JsonSyntaxException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        if (!(root instanceof Map<?, ?> fields)) {
            throw HttpError.badRequest("request body: expected a JSON object with \"" + FEATURES
                    + "\" (one example) or \"" + INSTANCES + "\" (a batch), got " + describe(root));
        }
        for (Object key : fields.keySet()) {
            if (!FEATURES.equals(key) && !INSTANCES.equals(key)) {
                throw HttpError.badRequest("unknown field \"" + key + "\"; expected \"" + FEATURES
                        + "\" (one example) or \"" + INSTANCES + "\" (a batch)");
            }
        }
        boolean single = fields.containsKey(FEATURES);
        boolean batch = fields.containsKey(INSTANCES);
        if (single == batch) {
            throw HttpError.badRequest(single ? "give either \"" + FEATURES + "\" or \"" + INSTANCES + "\", not both"
                    : "request body: expected a field \"" + FEATURES + "\" (one example) or \"" + INSTANCES
                            + "\" (a batch), got an empty object");
        }
        if (single) {
            return new PredictRequest(new float[][] {floats(FEATURES, fields.get(FEATURES))}, false);
        }
        if (!(fields.get(INSTANCES) instanceof List<?> rows)) {
            throw HttpError.badRequest(INSTANCES + ": expected an array of feature arrays, got "
                    + describe(fields.get(INSTANCES)));
        }
        if (rows.isEmpty()) {
            throw HttpError.badRequest(INSTANCES + ": expected at least one instance, got an empty array");
        }
        float[][] instances = new float[rows.size()][];
        for (int i = 0; i < instances.length; i++) {
            instances[i] = floats(INSTANCES + "[" + i + "]", rows.get(i));
        }
        return new PredictRequest(instances, true);
    }

    /** Refuses the request unless every instance has {@code expected} features. */
    public void requireFeatureCount(int expected) {
        for (int i = 0; i < instances.length; i++) {
            if (instances[i].length != expected) {
                String field = batch ? INSTANCES + "[" + i + "]" : FEATURES;
                throw HttpError.badRequest(field + ": expected " + expected + " features, got " + instances[i].length);
            }
        }
    }

    /** The instances row-major in one array ({@code [n * features + i]}); call after {@link #requireFeatureCount}. */
    public float[] rowMajor() {
        int f = instances[0].length;
        float[] all = new float[instances.length * f];
        for (int n = 0; n < instances.length; n++) {
            System.arraycopy(instances[n], 0, all, n * f, f);
        }
        return all;
    }

    private static float[] floats(String field, Object value) {
        if (!(value instanceof List<?> list)) {
            throw HttpError.badRequest(field + ": expected an array of numbers, got " + describe(value));
        }
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof JsonNumber n)) {
                throw HttpError.badRequest(field + "[" + i + "]: expected a number, got " + describe(v));
            }
            float f = n.floatValue();
            if (!Float.isFinite(f)) {
                throw HttpError.badRequest(field + "[" + i + "]: expected a finite number within the float32 range "
                        + "(|x| <= " + Float.MAX_VALUE + "), got " + n.text());
            }
            out[i] = f;
        }
        return out;
    }

    /** What a JSON value is, for messages: "a string \"abc\"", "an object", ... */
    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String str) {
            return "a string \"" + (str.length() > 20 ? str.substring(0, 20) + "..." : str) + "\"";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List<?> l) {
            return "an array of " + l.size() + " values";
        }
        if (v instanceof Boolean b) {
            return b.toString();
        }
        return "the number " + v;
    }
}
