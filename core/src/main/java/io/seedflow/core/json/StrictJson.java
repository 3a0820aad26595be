package io.seedflow.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One strictly configured Jackson reader and writer, shared by every module that reads or writes JSON, so that the
 * configuration exists once. Reading follows RFC 8259 (no comments, single quotes, leading zeros, leading plus signs,
 * trailing commas or trailing text) and refuses duplicate object keys and input beyond the {@linkplain Builder limits}
 * of nesting depth, number length, string length and document length. Every refusal is a {@link JsonSyntaxException}
 * with a one-line message and the character position.
 *
 * <p>A parsed value is an insertion-ordered {@link Map} (object), a {@link List} (array), a {@link String}, a
 * {@link Boolean}, {@code null} or a {@link JsonNumber} (the number as written). Writing goes through Jackson's
 * generator, with strings escaped as {@link JsonEscapes} describes and floats written by {@link #writeFloat}.
 */
public final class StrictJson {
    private static final List<String> NON_FINITE_TOKENS = List.of("NaN", "Infinity", "-Infinity");

    private final JsonFactory factory;
    private final int maxDepth;
    private final int maxDocumentLength;
    private final boolean nonFiniteNumberTokens;

    private StrictJson(Builder b) {
        JsonFactoryBuilder f = new JsonFactoryBuilder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(b.maxDepth)
                        .maxNumberLength(b.maxNumberLength).maxStringLength(b.maxStringLength)
                        .maxDocumentLength(b.maxDocumentLength).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // lower-case hex escapes, as the formats have always been written
                .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                .characterEscapes(new JsonEscapes(b.escapeLineSeparators));
        if (b.nonFiniteNumberTokens) {
            f.enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);
        }
        this.factory = f.build();
        this.maxDepth = b.maxDepth;
        this.maxDocumentLength = b.maxDocumentLength;
        this.nonFiniteNumberTokens = b.nonFiniteNumberTokens;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Deepest nesting of arrays and objects accepted. */
    public int maxDepth() {
        return maxDepth;
    }

    /**
     * Parses one JSON value that makes up the whole of {@code text} (JSON whitespace around it allowed).
     *
     * @throws JsonSyntaxException if the text is not one such value or breaks a limit
     */
    public Object parse(String text) {
        if (text.length() > maxDocumentLength) {
            throw new JsonSyntaxException(maxDocumentLength, "document of " + text.length()
                    + " characters exceeds the maximum of " + maxDocumentLength);
        }
        try (JsonParser p = factory.createParser(text)) {
            try {
                if (p.nextToken() == null) {
                    throw new JsonSyntaxException(text.length(), "unexpected end of input; expected a value");
                }
                Object value = value(p);
                if (p.nextToken() != null) {
                    throw new JsonSyntaxException(offset(p.currentTokenLocation()),
                            "unexpected " + p.currentToken().asString() + " after the end of the JSON value");
                }
                return value;
            } catch (StreamConstraintsException e) {
                // thrown without a location; the token being read is the one over the limit
                throw new JsonSyntaxException(offset(p.currentTokenLocation()), problem(e));
            } catch (JsonProcessingException e) {
                JsonLocation at = e.getLocation() != null ? e.getLocation() : p.currentLocation();
                throw new JsonSyntaxException(offset(at), problem(e));
            }
        } catch (IOException e) {
            // a String source does no I/O; any other IOException is a parser failure, reported the same way
            throw new JsonSyntaxException(0, problem(e));
        }
    }

    /** What a JSON body writes: calls on a generator that may throw {@link IOException}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(JsonGenerator g) throws IOException;
    }

    /** The compact JSON text (no whitespace) that {@code content} writes. */
    public String write(Content content) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = factory.createGenerator(out)) {
            content.writeTo(g);
        } catch (IOException e) {
            // a StringWriter does no I/O: this is a misuse of the generator (a value where a name belongs, ...)
            throw new IllegalStateException("writing JSON: " + problem(e), e);
        }
        return out.toString();
    }

    /**
     * Writes a finite float as {@link Float#toString(float)}, which has enough digits to tell the float from its
     * neighbours, so a client that parses the value back to float32 gets the same bits. JSON has no form for
     * non-finite values: they are refused.
     */
    public static void writeFloat(JsonGenerator g, float v) throws IOException {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("JSON has no form for the non-finite float " + v);
        }
        g.writeNumber(v);
    }

    /** An array of finite floats, each written by {@link #writeFloat}. */
    public static void writeFloats(JsonGenerator g, float[] values) throws IOException {
        g.writeStartArray();
        for (float v : values) {
            writeFloat(g, v);
        }
        g.writeEndArray();
    }

    /** The value whose first token is current; recursion is bounded by the nesting limit. */
    private Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
                    p.nextToken();
                    m.put(key, value(p)); // duplicates were refused by the parser
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return number(p);
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new JsonSyntaxException(offset(p.currentTokenLocation()), "unexpected " + t);
        }
    }

    private JsonNumber number(JsonParser p) throws IOException {
        String text = p.getText();
        // Jackson's non-numeric extension also reads +Infinity, +INF and -INF; only the tokens Python writes are kept
        if (p.isNaN() && !(nonFiniteNumberTokens && NON_FINITE_TOKENS.contains(text))) {
            throw new JsonSyntaxException(offset(p.currentTokenLocation()), "unexpected token '" + text
                    + "'; expected a JSON number" + (nonFiniteNumberTokens ? ", NaN, Infinity or -Infinity" : ""));
        }
        return new JsonNumber(text);
    }

    private static int offset(JsonLocation at) {
        return at == null ? 0 : (int) Math.max(0, at.getCharOffset());
    }

    /**
     * Jackson's message as one line without the parts that name Jackson's own settings: the source location (the
     * position is reported apart), "from `StreamReadConstraints...`" and "enable `JsonReadFeature...` to allow".
     */
    static String problem(IOException e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null || m.isBlank()) {
            return "unreadable JSON (" + e.getClass().getSimpleName() + ")";
        }
        m = m.replaceAll("\\s*\\(start marker at \\[[^\\]]*\\]\\)", "")
                .replace(" (or 'NaN'/'+INF'/'-INF')", "") // only the tokens Python writes are read
                .replaceAll(", from `[^`]*`", "")
                .replaceAll(":? *enable `[^`]*` to allow", "")
                .replaceAll("\\s+", " ").strip();
        return m;
    }

    /** Limits and extensions of a {@link StrictJson}; every limit must be set. */
    public static final class Builder {
        private int maxDepth;
        private int maxNumberLength;
        private int maxStringLength;
        private int maxDocumentLength;
        private boolean nonFiniteNumberTokens;
        private boolean escapeLineSeparators;

        private Builder() {
        }

        /** Deepest nesting of arrays and objects accepted (bounds the recursion on hostile input). */
        public Builder maxDepth(int v) {
            maxDepth = positive("maxDepth", v);
            return this;
        }

        /** Longest number token accepted, in characters. */
        public Builder maxNumberLength(int v) {
            maxNumberLength = positive("maxNumberLength", v);
            return this;
        }

        /** Longest string (key or value) accepted, in characters. */
        public Builder maxStringLength(int v) {
            maxStringLength = positive("maxStringLength", v);
            return this;
        }

        /** Longest document accepted, in characters. */
        public Builder maxDocumentLength(int v) {
            maxDocumentLength = positive("maxDocumentLength", v);
            return this;
        }

        /**
         * Also read the tokens {@code NaN}, {@code Infinity} and {@code -Infinity} (which Python's
         * {@code json.dumps} writes) as numbers, so that validation can name a non-finite value instead of reporting
         * a syntax error. Off by default.
         */
        public Builder nonFiniteNumberTokens(boolean v) {
            nonFiniteNumberTokens = v;
            return this;
        }

        /** Also escape U+007F, U+2028 and U+2029 when writing (safe to embed in a script). Off by default. */
        public Builder escapeLineSeparators(boolean v) {
            escapeLineSeparators = v;
            return this;
        }

        public StrictJson build() {
            for (int limit : new int[] {maxDepth, maxNumberLength, maxStringLength, maxDocumentLength}) {
                if (limit == 0) {
                    throw new IllegalStateException("StrictJson needs maxDepth, maxNumberLength, maxStringLength and "
                            + "maxDocumentLength, got " + maxDepth + ", " + maxNumberLength + ", " + maxStringLength
                            + ", " + maxDocumentLength);
                }
            }
            return new StrictJson(this);
        }

        private static int positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, got " + v);
            }
            return v;
        }
    }
}
