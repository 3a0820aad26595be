package io.seedflow.core.data.mail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Content-Transfer-Encoding (RFC 2045 section 6) and charsets, both lenient: real mail has broken base64, stray
 * {@code =} in quoted-printable and charset names no JVM knows.
 */
public final class BodyDecoding {
    /** Used for unknown, invalid or missing charset names. */
    public static final Charset FALLBACK = StandardCharsets.ISO_8859_1;

    private BodyDecoding() {
    }

    /**
     * The bytes a transfer-encoded body stands for. {@code bytes} holds one byte per char. base64 and
     * quoted-printable are decoded; 7bit, 8bit, binary and any unknown encoding are taken as they are.
     */
    public static byte[] decodeTransfer(String bytes, String encoding) {
        return switch (encoding) {
            case "base64" -> base64(bytes);
            case "quoted-printable" -> quotedPrintable(bytes, false);
            default -> bytes.getBytes(StandardCharsets.ISO_8859_1);
        };
    }

    /**
     * The charset of that name, or {@link #FALLBACK} when the name is missing, invalid or not supported by this JVM.
     * US-ASCII also maps to the fallback: mail that declares it often carries 8-bit bytes, and ISO-8859-1 reads ASCII
     * the same and keeps those bytes as letters instead of replacement characters.
     */
    public static Charset charset(String name) {
        if (name == null || name.isBlank()) {
            return FALLBACK;
        }
        String n = name.strip();
        if (n.length() >= 2 && n.startsWith("\"") && n.endsWith("\"")) {
            n = n.substring(1, n.length() - 1);
        }
        try {
            Charset cs = Charset.forName(n);
            return cs.equals(StandardCharsets.US_ASCII) ? FALLBACK : cs;
        } catch (IllegalArgumentException e) { // IllegalCharsetNameException and UnsupportedCharsetException
            return FALLBACK;
        }
    }

    /** Decodes with that charset; malformed sequences become U+FFFD. */
    public static String decode(byte[] bytes, String charsetName) {
        return new String(bytes, charset(charsetName));
    }

    /** base64 that skips every character outside the alphabet and stops at padding or at a dangling last char. */
    static byte[] base64(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 3 / 4);
        int acc = 0;
        int bits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=') {
                break;
            }
            int v = base64Value(c);
            if (v < 0) {
                continue;
            }
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out.write((acc >> bits) & 0xff);
            }
        }
        return out.toByteArray();
    }

    private static int base64Value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    }

    /**
     * Quoted-printable: {@code =XX} is a byte, {@code =} at the end of a line (trailing blanks allowed) is a soft line
     * break, any other {@code =} is kept as written. In an encoded-word ({@code underscoreIsSpace}, RFC 2047 section
     * 4.2) {@code _} is a space.
     */
    static byte[] quotedPrintable(String s, boolean underscoreIsSpace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '=') {
                int j = i + 1;
                while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
                    j++;
                }
                if (j == n || s.charAt(j) == '\n' || s.charAt(j) == '\r') { // soft line break
                    if (j + 1 < n && s.charAt(j) == '\r' && s.charAt(j + 1) == '\n') {
                        j++;
                    }
                    i = j;
                    continue;
                }
                if (i + 2 < n && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                    out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                    i += 2;
                    continue;
                }
                out.write('=');
            } else if (c == '_' && underscoreIsSpace) {
                out.write(' ');
            } else {
                out.write(c & 0xff);
            }
        }
        return out.toByteArray();
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    /** Lower-cases a transfer encoding name and drops quotes and comments. */
    static String normaliseEncoding(String value) {
        return ContentType.stripComments(value).replace("\"", "").strip().toLowerCase(Locale.ROOT);
    }
}
