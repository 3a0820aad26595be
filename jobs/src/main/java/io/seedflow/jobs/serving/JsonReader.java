package io.seedflow.jobs.serving;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader (RFC 8259) for request bodies; the jobs module takes no JSON dependency, and core's reader for
 * safetensors headers is internal to its snapshot package and not made for untrusted input. Objects become
 * insertion-ordered maps, arrays lists, strings {@link String}, {@code true}/{@code false} {@link Boolean},
 * {@code null} null, and numbers {@link JsonNumber}, which keeps the token so that a float is parsed from the decimal
 * text directly (parsing to double first could round twice).
 *
 * <p>Refused, with the character position (0-based) in the message: anything outside the grammar (leading zeros,
 * {@code 1.}, single quotes, comments, trailing commas, trailing text), unescaped control characters in strings,
 * duplicate object keys, and nesting deeper than {@link #MAX_DEPTH}. One extension: the tokens {@code NaN},
 * {@code Infinity} and {@code -Infinity} (which Python's {@code json.dumps} writes) are read as numbers, so that the
 * request validation can name the non-finite value instead of reporting a syntax error.
 */
public final class JsonReader {
    /** Deepest nesting of arrays and objects accepted; bounds the recursion on hostile input. */
    public static final int MAX_DEPTH = 32;

    /** A JSON number as written; {@link #text()} matches the JSON number grammar or is NaN/Infinity/-Infinity. */
    public record JsonNumber(String text) {
        /** The nearest float32 to the decimal value (infinite when out of float range, NaN for NaN). */
        public float floatValue() {
            return Float.parseFloat(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final String s;
    private int pos;
    private int depth;

    private JsonReader(String text) {
        this.s = text;
    }

    /** Parses one JSON value that makes up the whole of {@code text} (whitespace around it allowed). */
    public static Object parse(String text) {
        JsonReader r = new JsonReader(text);
        r.skipWhitespace();
        Object v = r.value();
        r.skipWhitespace();
        if (r.pos != text.length()) {
            throw r.error("unexpected '" + text.charAt(r.pos) + "' after the end of the JSON value");
        }
        return v;
    }

    private Object value() {
        char c = peek("a value");
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            case 'N':
                return literal("NaN", new JsonNumber("NaN"));
            case 'I':
                return literal("Infinity", new JsonNumber("Infinity"));
            default:
                if (c == '-' && s.startsWith("-Infinity", pos)) {
                    return literal("-Infinity", new JsonNumber("-Infinity"));
                }
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected " + describe(c) + "; expected a value");
        }
    }

    private Map<String, Object> object() {
        enter();
        pos++; // '{'
        Map<String, Object> m = new LinkedHashMap<>();
        skipWhitespace();
        if (peek("'}' or a key") == '}') {
            pos++;
            depth--;
            return m;
        }
        while (true) {
            skipWhitespace();
            if (peek("a key") != '"') {
                throw error("unexpected " + describe(s.charAt(pos)) + "; expected a key in double quotes");
            }
            int keyPos = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value();
            if (m.containsKey(key)) {
                pos = keyPos;
                throw error("duplicate key \"" + key + "\"");
            }
            m.put(key, v);
            skipWhitespace();
            char c = next("',' or '}'");
            if (c == '}') {
                depth--;
                return m;
            }
            if (c != ',') {
                pos--;
                throw error("unexpected " + describe(c) + "; expected ',' or '}'");
            }
        }
    }

    private List<Object> array() {
        enter();
        pos++; // '['
        List<Object> l = new ArrayList<>();
        skipWhitespace();
        if (peek("']' or a value") == ']') {
            pos++;
            depth--;
            return l;
        }
        while (true) {
            skipWhitespace();
            l.add(value());
            skipWhitespace();
            char c = next("',' or ']'");
            if (c == ']') {
                depth--;
                return l;
            }
            if (c != ',') {
                pos--;
                throw error("unexpected " + describe(c) + "; expected ',' or ']'");
            }
        }
    }

    private String string() {
        pos++; // '"'
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next("'\"' to close the string");
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next("an escape character");
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(unicodeEscape());
                default -> {
                    pos -= 2;
                    throw error("invalid escape '\\" + e + "'");
                }
            }
        }
    }

    private char unicodeEscape() {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            char h = next("4 hex digits after \\u");
            int d = Character.digit(h, 16);
            if (d < 0) {
                pos--;
                throw error("unexpected " + describe(h) + "; expected 4 hex digits after \\u");
            }
            v = v * 16 + d;
        }
        return (char) v;
    }

    /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    private JsonNumber number() {
        int start = pos;
        if (s.charAt(pos) == '-') {
            pos++;
        }
        if (peek("a digit") == '0') {
            pos++;
            if (pos < s.length() && isDigit(s.charAt(pos))) {
                throw error("leading zero in a number");
            }
        } else {
            digits();
        }
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            digits();
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            digits();
        }
        return new JsonNumber(s.substring(start, pos));
    }

    private void digits() {
        char c = peek("a digit");
        if (!isDigit(c)) {
            throw error("unexpected " + describe(c) + "; expected a digit");
        }
        while (pos < s.length() && isDigit(s.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected " + describe(s.charAt(pos)) + "; expected a value");
        }
        pos += word.length();
        return v;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipWhitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private char peek(String expected) {
        if (pos >= s.length()) {
            throw error("unexpected end of input; expected " + expected);
        }
        return s.charAt(pos);
    }

    private char next(String expected) {
        char c = peek(expected);
        pos++;
        return c;
    }

    private void expect(char c) {
        char found = next("'" + c + "'");
        if (found != c) {
            pos--;
            throw error("unexpected " + describe(found) + "; expected '" + c + "'");
        }
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7f ? "character U+" + String.format("%04X", (int) c) : "'" + c + "'";
    }

    private JsonSyntaxException error(String what) {
        return new JsonSyntaxException(pos, what);
    }
}
