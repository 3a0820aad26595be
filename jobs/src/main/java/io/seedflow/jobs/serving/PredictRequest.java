package io.seedflow.jobs.serving;

import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.json.JsonSyntaxException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The body of {@code POST /v1/predict}, in one of four forms: for a model of dense inputs (the MLP)
 * {@code {"features":[x0, x1, ...]}} (one example) or {@code {"instances":[[...], [...]]}} (a batch); for a text model
 * (the encoder) {@code {"text":"..."}} (one text) or {@code {"texts":["...", "..."]}} (a batch of at most
 * {@link #MAX_TEXTS}). {@link #parse} checks the shape, that every value is a finite float32 or a string of valid
 * Unicode; what depends on the model (the input kind, the feature count) is checked by {@link #requireInputOf} and
 * {@link #requireFeatureCount} once the model is known, and the texts themselves by the tokenizer. Every refusal is an
 * {@link HttpError} 400 that names the field, the value found and what is expected.
 */
public final class PredictRequest {
    static final String FEATURES = "features";
    static final String INSTANCES = "instances";
    static final String TEXT = "text";
    static final String TEXTS = "texts";
    /**
     * Most texts in one request: an encoder on a CPU takes tens of milliseconds per text, and a request holds the
     * model's read lock (which delays the next update) while it runs.
     */
    public static final int MAX_TEXTS = 64;

    static final String FORMS = "\"" + FEATURES + "\" (one example) or \"" + INSTANCES
            + "\" (a batch) for a model of features, \"" + TEXT + "\" (one text) or \"" + TEXTS
            + "\" (a batch) for a text model";

    private final float[][] instances;
    private final List<String> texts;
    private final boolean batch;
    /** How example n is named in messages. */
    private final IntFunction<String> field;

    private PredictRequest(float[][] instances, List<String> texts, boolean batch) {
        this(instances, texts, batch, n -> batch ? (texts == null ? INSTANCES : TEXTS) + "[" + n + "]"
                : texts == null ? FEATURES : TEXT);
    }

    private PredictRequest(float[][] instances, List<String> texts, boolean batch, IntFunction<String> field) {
        this.instances = instances;
        this.texts = texts;
        this.batch = batch;
        this.field = field;
    }

    /**
     * A request of validated examples that another protocol parsed ({@link InferRequest}); {@code field} names
     * example n in messages.
     */
    static PredictRequest ofFeatures(float[][] instances, IntFunction<String> field) {
        return new PredictRequest(instances, null, true, field);
    }

    /** Like {@link #ofFeatures}, for texts. */
    static PredictRequest ofTexts(List<String> texts, IntFunction<String> field) {
        return new PredictRequest(null, List.copyOf(texts), true, field);
    }

    /** Whether the request used {@code "instances"} or {@code "texts"} (answered with a list of predictions). */
    public boolean batch() {
        return batch;
    }

    /** What the request holds: features ({@link InputKind#DENSE}) or texts ({@link InputKind#TOKENS}). */
    public InputKind inputKind() {
        return texts == null ? InputKind.DENSE : InputKind.TOKENS;
    }

    /** Number of examples (1 for {@code "features"} and {@code "text"}). */
    public int count() {
        return texts == null ? instances.length : texts.size();
    }

    /** The features of example {@code n}. */
    public float[] instance(int n) {
        return instances[n].clone();
    }

    /** The texts, in order (one for {@code "text"}). */
    public List<String> texts() {
        return texts;
    }

    /** How text {@code n} is named in messages: {@code text}, or {@code texts[n]} in a batch. */
    public String textField(int n) {
        return field.apply(n);
    }

    /** Parses and validates a request body (the JSON text). */
    public static PredictRequest parse(String body) {
        Object root;
        try {
            root = ServingJson.parse(body);
        } catch (JsonSyntaxException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        if (!(root instanceof Map<?, ?> fields)) {
            throw HttpError.badRequest("request body: expected a JSON object with " + FORMS + ", got "
                    + describe(root));
        }
        for (Object key : fields.keySet()) {
            if (!List.of(FEATURES, INSTANCES, TEXT, TEXTS).contains(key)) {
                throw HttpError.badRequest("unknown field \"" + key + "\"; expected " + FORMS);
            }
        }
        if (fields.isEmpty()) {
            throw HttpError.badRequest("request body: expected a field " + FORMS + ", got an empty object");
        }
        if (fields.size() > 1) {
            throw HttpError.badRequest("give one of \"" + FEATURES + "\", \"" + INSTANCES + "\", \"" + TEXT
                    + "\" or \"" + TEXTS + "\", got " + String.join(" and ", fields.keySet().stream()
                            .map(k -> "\"" + k + "\"").toList()));
        }
        String field = (String) fields.keySet().iterator().next();
        Object value = fields.get(field);
        return switch (field) {
            case FEATURES -> new PredictRequest(new float[][] {floats(FEATURES, value)}, null, false);
            case INSTANCES -> new PredictRequest(instances(value), null, true);
            case TEXT -> new PredictRequest(null, List.of(text(TEXT, value)), false);
            default -> new PredictRequest(null, texts(value), true);
        };
    }

    /**
     * Refuses the request unless it holds what {@code spec}'s model takes: features for a dense model, texts for a
     * text model.
     */
    public void requireInputOf(ModelSpec spec) {
        if (spec.inputKind() == inputKind()) {
            return;
        }
        String field = texts == null ? (batch ? INSTANCES : FEATURES) : (batch ? TEXTS : TEXT);
        if (spec.inputKind() == InputKind.TOKENS) {
            throw HttpError.badRequest(field + ": model " + spec.toText() + " takes text; expected \"" + TEXT
                    + "\":\"...\" (one text) or \"" + TEXTS + "\":[\"...\", ...] (a batch)");
        }
        throw HttpError.badRequest(field + ": model " + spec.toText() + " takes " + spec.inputWidth()
                + " features, not text; expected \"" + FEATURES + "\":[" + spec.inputWidth() + " numbers] (one "
                + "example) or \"" + INSTANCES + "\":[[...], ...] (a batch)");
    }

    /** Refuses the request unless every instance has {@code expected} features. */
    public void requireFeatureCount(int expected) {
        for (int i = 0; i < instances.length; i++) {
            if (instances[i].length != expected) {
                throw HttpError.badRequest(field.apply(i) + ": expected " + expected + " features, got "
                        + instances[i].length);
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

    private static float[][] instances(Object value) {
        if (!(value instanceof List<?> rows)) {
            throw HttpError.badRequest(INSTANCES + ": expected an array of feature arrays, got " + describe(value));
        }
        if (rows.isEmpty()) {
            throw HttpError.badRequest(INSTANCES + ": expected at least one instance, got an empty array");
        }
        float[][] instances = new float[rows.size()][];
        for (int i = 0; i < instances.length; i++) {
            if (rows.get(i) instanceof String) {
                throw HttpError.badRequest(INSTANCES + "[" + i + "]: expected an array of numbers, got "
                        + describe(rows.get(i)) + "; a batch of texts goes in \"" + TEXTS + "\"");
            }
            instances[i] = floats(INSTANCES + "[" + i + "]", rows.get(i));
        }
        return instances;
    }

    private static List<String> texts(Object value) {
        if (!(value instanceof List<?> list)) {
            throw HttpError.badRequest(TEXTS + ": expected an array of strings, got " + describe(value)
                    + (value instanceof String ? "; one text goes in \"" + TEXT + "\"" : ""));
        }
        if (list.isEmpty()) {
            throw HttpError.badRequest(TEXTS + ": expected at least one text, got an empty array");
        }
        if (list.size() > MAX_TEXTS) {
            throw HttpError.badRequest(TEXTS + ": expected at most " + MAX_TEXTS + " texts, got " + list.size()
                    + "; send larger batches in several requests");
        }
        List<String> texts = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            texts.add(text(TEXTS + "[" + i + "]", list.get(i)));
        }
        return List.copyOf(texts);
    }

    /** A string of valid Unicode (no unpaired surrogate); emptiness and length are the tokenizer's to judge. */
    static String text(String field, Object value) {
        if (!(value instanceof String s)) {
            throw HttpError.badRequest(field + ": expected a string, got " + describe(value)
                    + (TEXT.equals(field) && value instanceof List ? "; a batch of texts goes in \"" + TEXTS + "\""
                            : ""));
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw HttpError.badRequest(field + ": expected valid Unicode, got an unpaired surrogate U+"
                        + String.format("%04X", (int) c) + " at char " + i);
            }
        }
        return s;
    }

    static float[] floats(String field, Object value) {
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
