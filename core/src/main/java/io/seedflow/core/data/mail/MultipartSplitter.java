package io.seedflow.core.data.mail;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a multipart body into its parts at the delimiter lines {@code --boundary} (RFC 2046 section 5.1.1). The
 * preamble before the first delimiter and the epilogue after {@code --boundary--} are dropped; the line break before
 * each delimiter belongs to the delimiter. Lenient: trailing blanks after a delimiter are allowed, and a body whose
 * close delimiter is missing ends its last part at the end of the text.
 */
final class MultipartSplitter {
    private MultipartSplitter() {
    }

    /** The parts as byte strings (each: its headers, an empty line, its body); empty if no delimiter is found. */
    static List<String> split(String body, String boundary) {
        String delimiter = "--" + boundary;
        List<String> parts = new ArrayList<>();
        int partStart = -1;
        int pos = 0;
        int n = body.length();
        while (pos < n) {
            int end = EmailHeaders.lineEnd(body, pos);
            int next = EmailHeaders.nextLine(body, pos);
            if (body.startsWith(delimiter, pos)) {
                String rest = body.substring(pos + delimiter.length(), end);
                boolean close = rest.startsWith("--");
                if ((close ? rest.substring(2) : rest).isBlank()) {
                    if (partStart >= 0) {
                        parts.add(body.substring(partStart, lineBreakBefore(body, partStart, pos)));
                    }
                    if (close) {
                        return parts;
                    }
                    partStart = next;
                }
            }
            pos = next;
        }
        if (partStart >= 0 && partStart < n) {
            parts.add(body.substring(partStart));
        }
        return parts;
    }

    /** Where the line break ending at {@code delimiterStart} begins (the part does not own it). */
    private static int lineBreakBefore(String body, int partStart, int delimiterStart) {
        int end = delimiterStart;
        if (end > partStart && body.charAt(end - 1) == '\n') {
            end--;
            if (end > partStart && body.charAt(end - 1) == '\r') {
                end--;
            }
        }
        return end;
    }
}
