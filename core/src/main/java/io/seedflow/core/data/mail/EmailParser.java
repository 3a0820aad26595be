package io.seedflow.core.data.mail;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a raw RFC 5322 mail into subject, body text and date. Lenient by design: it reads a corpus of real mail
 * (forged, broken, hand-written by spammers), never fails, and does bounded work per byte; nesting deeper than
 * {@value #MAX_DEPTH} levels is not entered.
 *
 * <p>Body text: MIME (RFC 2045/2046) parts are walked, nested multiparts and attached message/rfc822 mails included;
 * each part's Content-Transfer-Encoding (base64, quoted-printable, 7bit, 8bit) and charset are decoded (see
 * {@link BodyDecoding}). In a multipart/alternative the text/plain alternative is taken, else the text/html one; in
 * any other multipart the texts of all inline text parts are joined. HTML becomes text through {@link HtmlText}, as
 * does a mail without Content-Type whose body starts like an HTML document; a mail without Content-Type whose body
 * starts with a delimiter line and a part header is read as multipart/mixed with that boundary. Attachments (Content-Disposition:
 * attachment) and non-text parts are skipped.
 *
 * <p>Date: the Date header ({@link EmailDates}); if it is missing or unreadable, the date of the newest readable
 * Received header (the topmost: each relay adds its own on top); else none.
 */
public final class EmailParser {
    /** Deepest MIME nesting entered. */
    public static final int MAX_DEPTH = 16;
    private static final Pattern GUESSED_BOUNDARY =
            Pattern.compile("\\s*--([^\\s]{1,70})[ \\t]*\\r?\\n(?i:content-type)[ \\t]*:");
    private static final Pattern LOOKS_LIKE_HTML = Pattern.compile("(?is)^\\s*(<!doctype\\s+html|<html|<head|<body).*");

    private EmailParser() {
    }

    /** Reads a mail from its raw bytes. */
    public static ParsedEmail parse(byte[] raw) {
        String bytes = new String(raw, StandardCharsets.ISO_8859_1);
        EmailHeaders headers = EmailHeaders.parse(bytes);
        String subject = EmailText.collapseWhitespace(EncodedWords.decode(headers.first("Subject").orElse("")));
        String body = EmailText.collapseWhitespace(text(headers, bytes.substring(headers.bodyStart()), 0));
        Optional<Instant> date = headers.first("Date").flatMap(EmailDates::parse);
        if (date.isPresent()) {
            return new ParsedEmail(subject, body, date, ParsedEmail.DateSource.DATE_HEADER);
        }
        for (String received : headers.all("Received")) {
            date = EmailDates.parseReceived(received);
            if (date.isPresent()) {
                return new ParsedEmail(subject, body, date, ParsedEmail.DateSource.RECEIVED);
            }
        }
        return new ParsedEmail(subject, body, Optional.empty(), ParsedEmail.DateSource.NONE);
    }

    /** The text of one entity (headers + body as a byte string). */
    private static String text(EmailHeaders headers, String body, int depth) {
        ContentType type = headers.contentType();
        if (type.isMultipart()) {
            Optional<String> boundary = type.parameter("boundary");
            if (depth < MAX_DEPTH && boundary.isPresent() && !boundary.get().isEmpty()) {
                List<String> parts = MultipartSplitter.split(body, boundary.get());
                if (!parts.isEmpty()) {
                    return multipartText(type, parts, depth);
                }
            }
            // a multipart with no parts that can be found: its body is all we have
            return decodeText(headers, body, ContentType.DEFAULT);
        }
        if (type.is("message/rfc822")) {
            if (depth >= MAX_DEPTH) {
                return "";
            }
            String inner = new String(BodyDecoding.decodeTransfer(body, headers.transferEncoding()),
                    StandardCharsets.ISO_8859_1);
            EmailHeaders innerHeaders = EmailHeaders.parse(inner);
            String subject = EncodedWords.decode(innerHeaders.first("Subject").orElse(""));
            return subject + "\n" + text(innerHeaders, inner.substring(innerHeaders.bodyStart()), depth + 1);
        }
        if (!type.isText() && !type.type().isEmpty()) {
            return "";
        }
        boolean untyped = headers.first("Content-Type").isEmpty();
        Optional<String> guessed = untyped && depth < MAX_DEPTH ? guessBoundary(body) : Optional.empty();
        if (guessed.isPresent()) {
            List<String> parts = MultipartSplitter.split(body, guessed.get());
            if (!parts.isEmpty()) {
                return multipartText(new ContentType("multipart", "mixed", java.util.Map.of()), parts, depth);
            }
        }
        if (untyped && LOOKS_LIKE_HTML.matcher(body.length() > 200 ? body.substring(0, 200) : body).matches()) {
            return decodeText(headers, body, new ContentType("text", "html", type.parameters()));
        }
        return decodeText(headers, body, type);
    }

    /**
     * Some spam drops the top Content-Type but keeps a multipart body: if its first non-blank line is {@code --x} and
     * a Content-Type field follows, {@code x} is taken as the boundary.
     */
    private static Optional<String> guessBoundary(String body) {
        Matcher m = GUESSED_BOUNDARY.matcher(body.length() > 2000 ? body.substring(0, 2000) : body);
        return m.lookingAt() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static String multipartText(ContentType type, List<String> parts, int depth) {
        List<EmailHeaders> partHeaders = new ArrayList<>(parts.size());
        for (String part : parts) {
            partHeaders.add(EmailHeaders.parse(part));
        }
        if (type.subtype().equals("alternative")) {
            int chosen = pick(partHeaders, "text/plain");
            if (chosen < 0) {
                chosen = pick(partHeaders, "text/html");
            }
            if (chosen < 0) {
                chosen = parts.size() - 1; // e.g. a nested multipart/related holding the HTML
            }
            return part(partHeaders.get(chosen), parts.get(chosen), depth);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            if (partHeaders.get(i).isAttachment()) {
                continue;
            }
            String text = part(partHeaders.get(i), parts.get(i), depth);
            if (!text.isBlank()) {
                out.append(out.length() == 0 ? "" : "\n").append(text);
            }
        }
        return out.toString();
    }

    private static String part(EmailHeaders headers, String part, int depth) {
        return text(headers, part.substring(headers.bodyStart()), depth + 1);
    }

    private static int pick(List<EmailHeaders> partHeaders, String mediaType) {
        for (int i = 0; i < partHeaders.size(); i++) {
            EmailHeaders h = partHeaders.get(i);
            if (h.contentType().is(mediaType) && !h.isAttachment()) {
                return i;
            }
        }
        return -1;
    }

    private static String decodeText(EmailHeaders headers, String body, ContentType type) {
        byte[] decoded = BodyDecoding.decodeTransfer(body, headers.transferEncoding());
        String text = BodyDecoding.decode(decoded, type.parameter("charset").orElse(null));
        return type.subtype().equals("html") ? HtmlText.toText(text) : text;
    }
}
