package io.seedflow.jobs.serving;

/**
 * Writes compact JSON for responses: {@code beginObject().name("a").value(1).endObject()}. Commas are placed by the
 * writer; it does not check that names and values alternate (its callers are a handful of fixed shapes). Floats are
 * written as {@link Float#toString(float)}, which has enough digits to tell the float from its neighbours, so a client
 * that parses a value back to float32 gets the same bits.
 */
public final class JsonWriter {
    private final StringBuilder sb = new StringBuilder();
    private boolean needComma;

    public JsonWriter beginObject() {
        separate();
        sb.append('{');
        needComma = false;
        return this;
    }

    public JsonWriter endObject() {
        sb.append('}');
        needComma = true;
        return this;
    }

    public JsonWriter beginArray() {
        separate();
        sb.append('[');
        needComma = false;
        return this;
    }

    public JsonWriter endArray() {
        sb.append(']');
        needComma = true;
        return this;
    }

    public JsonWriter name(String name) {
        separate();
        quote(name);
        sb.append(':');
        needComma = false;
        return this;
    }

    public JsonWriter value(String v) {
        separate();
        if (v == null) {
            sb.append("null");
        } else {
            quote(v);
        }
        needComma = true;
        return this;
    }

    public JsonWriter value(long v) {
        separate();
        sb.append(v);
        needComma = true;
        return this;
    }

    public JsonWriter value(boolean v) {
        separate();
        sb.append(v);
        needComma = true;
        return this;
    }

    /** A finite float; non-finite values have no JSON form and are refused. */
    public JsonWriter value(float v) {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("JSON has no form for the non-finite float " + v);
        }
        separate();
        sb.append(v);
        needComma = true;
        return this;
    }

    public JsonWriter array(float[] values) {
        beginArray();
        for (float v : values) {
            value(v);
        }
        return endArray();
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    private void separate() {
        if (needComma) {
            sb.append(',');
        }
    }

    private void quote(String v) {
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
