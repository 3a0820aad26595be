package io.seedflow.core.data.mail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes RFC 2047 encoded-words ({@code =?charset?B?...?=} and {@code =?charset?Q?...?=}) in an unstructured header
 * such as Subject. Whitespace between two adjacent encoded-words is dropped (section 6.2); consecutive words in the
 * same charset are decoded together, so a multi-byte character split across two words survives. An RFC 2231 language
 * suffix ({@code charset*lang}) is ignored. Unknown charsets fall back to ISO-8859-1. Raw 8-bit bytes outside
 * encoded-words are read as UTF-8 when they form valid UTF-8, else as ISO-8859-1.
 */
public final class EncodedWords {
    private static final Pattern WORD = Pattern.compile("=\\?([^?\\s]+)\\?([BbQq])\\?([^?]*)\\?=");

    private EncodedWords() {
    }

    /** Decodes a header value given as a byte string (one char per byte). */
    public static String decode(String raw) {
        Matcher m = WORD.matcher(raw);
        StringBuilder out = new StringBuilder(raw.length());
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        String pendingCharset = null;
        int last = 0;
        while (m.find()) {
            String between = raw.substring(last, m.start());
            boolean adjacent = pendingCharset != null && between.isBlank();
            String charset = m.group(1);
            int star = charset.indexOf('*');
            if (star >= 0) {
                charset = charset.substring(0, star);
            }
            if (!adjacent || !charset.equalsIgnoreCase(pendingCharset)) {
                flush(out, pending, pendingCharset);
                pendingCharset = null;
                if (!adjacent) {
                    out.append(rawText(between));
                }
            }
            String text = m.group(3);
            byte[] bytes = m.group(2).equalsIgnoreCase("B") ? BodyDecoding.base64(text)
                    : BodyDecoding.quotedPrintable(text, true);
            pending.writeBytes(bytes);
            pendingCharset = charset;
            last = m.end();
        }
        flush(out, pending, pendingCharset);
        out.append(rawText(raw.substring(last)));
        return out.toString();
    }

    private static void flush(StringBuilder out, ByteArrayOutputStream pending, String charset) {
        if (charset != null) {
            out.append(BodyDecoding.decode(pending.toByteArray(), charset));
        }
        pending.reset();
    }

    /** Text outside encoded-words: UTF-8 if its 8-bit bytes are valid UTF-8, else one char per byte. */
    static String rawText(String bytes) {
        boolean ascii = bytes.chars().allMatch(c -> c < 0x80);
        if (ascii) {
            return bytes;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            return bytes;
        }
    }
}
