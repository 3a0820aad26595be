package io.seedflow.core.data.mail;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A Content-Type value (RFC 2045 section 5.1): {@code type/subtype} in lower case and its parameters, names in lower
 * case, values unquoted. Lenient: comments in parentheses are dropped, a value with no slash (as some old mailers
 * write, e.g. {@code text}) keeps its type with an empty subtype, a missing or empty value is text/plain.
 */
public record ContentType(String type, String subtype, Map<String, String> parameters) {
    /** What RFC 2045 says a part without Content-Type is. */
    public static final ContentType DEFAULT = new ContentType("text", "plain", Map.of());

    public ContentType {
        parameters = Map.copyOf(parameters);
    }

    /** Parses a header value; never fails. */
    public static ContentType parse(String value) {
        String v = stripComments(value).strip();
        int semi = indexOutsideQuotes(v, ';', 0);
        String media = (semi < 0 ? v : v.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        if (media.isEmpty()) {
            return new ContentType("text", "plain", parameters(v, semi));
        }
        int slash = media.indexOf('/');
        String type = slash < 0 ? media : media.substring(0, slash).strip();
        String subtype = slash < 0 ? "" : media.substring(slash + 1).strip();
        return new ContentType(type, subtype, parameters(v, semi));
    }

    public boolean isMultipart() {
        return type.equals("multipart");
    }

    public boolean is(String mediaType) {
        return (type + "/" + subtype).equals(mediaType);
    }

    public boolean isText() {
        return type.equals("text");
    }

    public Optional<String> parameter(String name) {
        return Optional.ofNullable(parameters.get(name.toLowerCase(Locale.ROOT)));
    }

    private static Map<String, String> parameters(String v, int semi) {
        Map<String, String> out = new HashMap<>();
        while (semi >= 0 && semi < v.length()) {
            int next = indexOutsideQuotes(v, ';', semi + 1);
            String p = v.substring(semi + 1, next < 0 ? v.length() : next).strip();
            int eq = p.indexOf('=');
            if (eq > 0) {
                String name = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                String value = p.substring(eq + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
                }
                out.putIfAbsent(name, value);
            }
            semi = next;
        }
        return out;
    }

    private static int indexOutsideQuotes(String s, char c, int from) {
        boolean quoted = false;
        for (int i = from; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && quoted) {
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == c && !quoted) {
                return i;
            }
        }
        return -1;
    }

    /** Drops (comments) outside quoted strings; nested comments included. */
    static String stripComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (depth == 0 && ch == '"') {
                quoted = !quoted;
            }
            if (!quoted && ch == '(') {
                depth++;
            } else if (!quoted && ch == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                out.append(ch);
            }
        }
        return out.toString();
    }
}
