package io.seedflow.core.data.mail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header block of an RFC 5322 message or MIME part, and where its body starts.
 *
 * <p>The input is a "byte string": each char is one byte (ISO-8859-1), so that the body can be cut out and turned back
 * into the original bytes for its own transfer encoding and charset. Folded lines (a line starting with a space or a
 * tab continues the previous field) are unfolded by removing the line break only, as RFC 5322 section 2.2.3 says. A
 * leading mbox {@code From } line is skipped. The block ends at the first empty line; a line that is neither a field
 * nor a continuation also ends it and starts the body (the lenient reading mail clients use). Text with no field at
 * its start has no headers: all of it is body.
 */
public final class EmailHeaders {
    private static final Pattern FIELD = Pattern.compile("^([!-9;-~]+)[ \\t]*:(.*)$", Pattern.DOTALL);

    /** One field, its name as written and its unfolded value without the leading space. */
    public record Field(String name, String value) {
    }

    private final List<Field> fields;
    private final int bodyStart;

    private EmailHeaders(List<Field> fields, int bodyStart) {
        this.fields = List.copyOf(fields);
        this.bodyStart = bodyStart;
    }

    /** Reads the header block at the start of {@code bytes} (one char per byte). */
    public static EmailHeaders parse(String bytes) {
        List<Field> fields = new ArrayList<>();
        int pos = 0;
        int n = bytes.length();
        if (bytes.startsWith("From ")) {
            pos = nextLine(bytes, pos);
        }
        String name = null;
        StringBuilder value = new StringBuilder();
        while (pos < n) {
            int end = lineEnd(bytes, pos);
            String line = bytes.substring(pos, end);
            if (line.isEmpty()) {
                pos = nextLine(bytes, pos);
                break;
            }
            char first = line.charAt(0);
            if ((first == ' ' || first == '\t') && name != null) {
                value.append(line);
            } else {
                Matcher m = FIELD.matcher(line);
                if (!m.matches()) {
                    break; // not a header line: the body starts here
                }
                if (name != null) {
                    fields.add(new Field(name, value.toString().strip()));
                }
                name = m.group(1);
                value.setLength(0);
                value.append(m.group(2));
            }
            pos = nextLine(bytes, pos);
        }
        if (name != null) {
            fields.add(new Field(name, value.toString().strip()));
        } else if (fields.isEmpty()) {
            pos = 0; // no header at all: everything is body (a leading From line included)
        }
        return new EmailHeaders(fields, Math.min(pos, n));
    }

    /** The fields in the order written. */
    public List<Field> fields() {
        return fields;
    }

    /** Offset of the body in the text given to {@link #parse}. */
    public int bodyStart() {
        return bodyStart;
    }

    /** The first field of that name (case-insensitive). */
    public Optional<String> first(String fieldName) {
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(fieldName)) {
                return Optional.of(f.value());
            }
        }
        return Optional.empty();
    }

    /** All fields of that name (case-insensitive), top first. */
    public List<String> all(String fieldName) {
        List<String> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(fieldName)) {
                out.add(f.value());
            }
        }
        return out;
    }

    /** The parsed Content-Type, text/plain when absent. */
    public ContentType contentType() {
        return first("Content-Type").map(ContentType::parse).orElse(ContentType.DEFAULT);
    }

    /** Content-Transfer-Encoding, lower case and trimmed; "7bit" when absent. */
    public String transferEncoding() {
        return first("Content-Transfer-Encoding").map(BodyDecoding::normaliseEncoding).orElse("7bit");
    }

    /** Whether Content-Disposition says attachment. */
    public boolean isAttachment() {
        return first("Content-Disposition").map(v -> v.strip().toLowerCase(Locale.ROOT).startsWith("attachment"))
                .orElse(false);
    }

    static int lineEnd(String s, int from) {
        int nl = s.indexOf('\n', from);
        int end = nl < 0 ? s.length() : nl;
        return end > from && s.charAt(end - 1) == '\r' ? end - 1 : end;
    }

    static int nextLine(String s, int from) {
        int nl = s.indexOf('\n', from);
        return nl < 0 ? s.length() : nl + 1;
    }
}
