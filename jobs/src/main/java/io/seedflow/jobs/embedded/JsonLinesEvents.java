package io.seedflow.jobs.embedded;

import io.seedflow.core.json.JsonNumber;
import io.seedflow.jobs.serving.ServingJson;
import io.seedflow.schemas.LabeledEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Labeled events from a JSON-lines file, one JSON object per line, for {@code seedflow produce --file}:
 *
 * <pre>{"features":[0.1,-0.4,...], "label":3}
 * {"features":[...], "label":7, "modelId":"m2", "eventId":"a-17", "eventTime":1767225600000,
 *  "attributes":{"source":"review"}}</pre>
 *
 * <p>{@code label} (an integer &gt;= 0) is required, and exactly one of {@code features} (a non-empty array of finite
 * numbers, read as float32) or {@code text} (a string). Optional: {@code modelId} (default: the command's
 * {@code --model-id}), {@code eventId} (default {@code <file name>:<line>}), {@code eventTime} (epoch milliseconds;
 * default: when the event is sent) and {@code attributes} (an object of strings). Blank lines are skipped. The whole
 * file is read and checked before anything is sent: a line that is not such an object (malformed JSON, an unknown or
 * missing field, a wrong type, a non-finite feature) refuses the file with its line number, so that a typo never
 * leaves half a file on a topic. The lines are parsed by the strict {@link ServingJson}.
 */
public final class JsonLinesEvents implements LabeledEventSource {
    static final Set<String> FIELDS = Set.of("features", "text", "label", "modelId", "eventId", "eventTime",
            "attributes");

    private record Line(String eventId, Long timeMillis, String modelId, int label, List<Float> features, String text,
            Map<String, String> attributes) {
    }

    private final List<Line> lines;
    private final String description;
    private int next;

    private JsonLinesEvents(List<Line> lines, String description) {
        this.lines = lines;
        this.description = description;
    }

    /**
     * Reads and checks every line of {@code file}.
     *
     * @throws IllegalArgumentException naming the file, the line number and what is wrong with it
     */
    public static JsonLinesEvents read(Path file, String defaultModelId) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--file: '" + file + "' is not a readable file; expected JSON lines "
                    + "such as {\"features\":[...],\"label\":3}");
        }
        List<Line> lines = new ArrayList<>();
        String name = file.getFileName().toString();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                number++;
                if (text.isBlank()) {
                    continue;
                }
                try {
                    lines.add(line(ServingJson.parse(text), name + ":" + number, defaultModelId));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--file " + file + " line " + number + ": " + e.getMessage()
                            + "; nothing was sent (fix or remove the line)", e);
                }
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("--file " + file + " has no events; expected one JSON object per line");
        }
        return new JsonLinesEvents(lines, String.format("%s (%,d events)", file, lines.size()));
    }

    /** How many events the file holds. */
    public int count() {
        return lines.size();
    }

    @Override
    public LabeledEvent next(Instant now) {
        if (next == lines.size()) {
            return null;
        }
        Line l = lines.get(next++);
        return LabeledEvent.newBuilder()
                .setEventId(l.eventId).setModelId(l.modelId).setLabel(l.label)
                .setEventTime(l.timeMillis == null ? now : Instant.ofEpochMilli(l.timeMillis))
                .setDenseFeatures(l.features).setText(l.text).setAttributes(l.attributes)
                .build();
    }

    @Override
    public int classes() {
        return 0; // a file does not say how many classes its model has
    }

    @Override
    public String describe() {
        return description;
    }

    private static Line line(Object json, String defaultEventId, String defaultModelId) {
        if (!(json instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("expected a JSON object, got " + kind(json));
        }
        for (Object key : m.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new IllegalArgumentException("unknown field '" + key + "'; expected " + List.of("features",
                        "text", "label", "modelId", "eventId", "eventTime", "attributes"));
            }
        }
        if (m.containsKey("features") == m.containsKey("text")) {
            throw new IllegalArgumentException("expected exactly one of 'features' and 'text', got "
                    + (m.containsKey("features") ? "both" : "neither"));
        }
        if (!m.containsKey("label")) {
            throw new IllegalArgumentException("field 'label' is missing; expected the class index, e.g. \"label\":3");
        }
        long label = integer(m.get("label"), "label");
        if (label < 0 || label > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("label: expected an integer >= 0, got " + label);
        }
        Long time = m.containsKey("eventTime") ? integer(m.get("eventTime"), "eventTime") : null;
        return new Line(string(m, "eventId", defaultEventId), time, string(m, "modelId", defaultModelId), (int) label,
                m.containsKey("features") ? features(m.get("features")) : null,
                m.containsKey("text") ? string(m, "text", null) : null, attributes(m.get("attributes")));
    }

    private static List<Float> features(Object json) {
        if (!(json instanceof List<?> values) || values.isEmpty()) {
            throw new IllegalArgumentException("features: expected a non-empty array of numbers, got " + kind(json));
        }
        List<Float> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            if (!(values.get(i) instanceof JsonNumber n)) {
                throw new IllegalArgumentException("features[" + i + "]: expected a number, got "
                        + kind(values.get(i)));
            }
            float f = n.floatValue();
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException("features[" + i + "]: expected a finite float32, got " + n);
            }
            out.add(f);
        }
        return out;
    }

    private static long integer(Object json, String field) {
        if (!(json instanceof JsonNumber n) || !n.text().matches("-?\\d{1,18}")) {
            throw new IllegalArgumentException(field + ": expected an integer, got " + kind(json));
        }
        return Long.parseLong(n.text());
    }

    private static String string(Map<?, ?> m, String field, String fallback) {
        if (!m.containsKey(field)) {
            return fallback;
        }
        Object v = m.get(field);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException(field + ": expected a non-empty string, got " + kind(v));
        }
        return s;
    }

    private static Map<String, String> attributes(Object json) {
        Map<String, String> out = new LinkedHashMap<>();
        if (json == null) {
            return out;
        }
        if (!(json instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("attributes: expected an object of strings, got " + kind(json));
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new IllegalArgumentException("attributes." + e.getKey() + ": expected a string, got "
                        + kind(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static String kind(Object json) {
        if (json instanceof JsonNumber n) {
            return n.text();
        }
        if (json instanceof String s) {
            return "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (json instanceof List) {
            return "an array";
        }
        if (json instanceof Map) {
            return "an object";
        }
        return String.valueOf(json);
    }
}
