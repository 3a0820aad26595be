package io.seedflow.core.data.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The parser on hand-written fixture mails in src/test/resources/mail, one per feature. */
class EmailParserTest {

    static byte[] fixture(String name) {
        try (InputStream in = EmailParserTest.class.getResourceAsStream("/mail/" + name)) {
            assertThat(in).as("fixture " + name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void alternativeTakesThePlainTextPartAndUnfoldsHeaders() {
        // CRLF line ends, an mbox From line, a folded Subject and a folded boundary parameter
        ParsedEmail mail = EmailParser.parse(fixture("alternative.eml"));
        assertThat(mail.subject()).isEqualTo("Lunch on Friday?");
        assertThat(mail.body()).isEqualTo("Shall we meet at noon? Alice");
        assertThat(mail.date()).contains(Instant.parse("2002-08-22T11:36:16Z"));
        assertThat(mail.dateSource()).isEqualTo(ParsedEmail.DateSource.DATE_HEADER);
    }

    @Test
    void nestedMultipartDecodesQuotedPrintableAndSkipsAttachments() {
        ParsedEmail mail = EmailParser.parse(fixture("nested.eml"));
        // two UTF-8 B encoded-words on a folded line: the whitespace between them goes, the euro sign survives
        assertThat(mail.subject()).isEqualTo("Grüße aus München €");
        assertThat(mail.body()).isEqualTo("Café au lait, crème brûlée and a very long line that the mailer had to "
                + "wrap with a soft line break right here. Equals: 1+1=2. Second inline part.");
        assertThat(mail.body()).doesNotContain("html alternative").doesNotContain("PNG").doesNotContain("notes");
        assertThat(mail.date()).contains(Instant.parse("2002-09-05T12:03:00Z"));
    }

    @Test
    void base64BodyInUtf8AndQuotedPrintableSubjectInLatin1() {
        ParsedEmail mail = EmailParser.parse(fixture("base64-utf8.eml"));
        assertThat(mail.subject()).isEqualTo("Re: Café = gut [list]");
        assertThat(mail.body()).isEqualTo("Привет! Ceci est encodé en base64, ok ✓");
        assertThat(mail.date()).contains(Instant.parse("2002-09-03T21:08:01Z"));
    }

    @Test
    void htmlOnlyLosesTagsScriptsStylesAndEntities() {
        ParsedEmail mail = EmailParser.parse(fixture("html-only.eml"));
        assertThat(mail.body()).isEqualTo(
                "Offer Save 50% on free stuff & more! cell1 cell2 Click here © 2002 &bogus; <tag> x < y");
        assertThat(mail.date()).contains(Instant.parse("2002-09-14T09:29:32Z"));
    }

    @Test
    void unknownCharsetFallsBackToLatin1() {
        ParsedEmail mail = EmailParser.parse(fixture("unknown-charset.eml"));
        assertThat(mail.subject()).isEqualTo("Qaplaé");
        assertThat(mail.body()).isEqualTo("Très bien, naïve café.");
    }

    @Test
    void unreadableDateFallsBackToTheNewestReceivedHeader() {
        ParsedEmail mail = EmailParser.parse(fixture("bad-date.eml"));
        assertThat(mail.dateSource()).isEqualTo(ParsedEmail.DateSource.RECEIVED);
        // the topmost Received (added last), not the relay's one below it
        assertThat(mail.date()).contains(Instant.parse("2002-09-11T17:02:03Z"));
        assertThat(mail.subject()).isEqualTo("You have WON");
        assertThat(mail.body()).isEqualTo("Claim your prize now!!!");
    }

    @Test
    void fileWithoutHeadersIsAllBodyAndUndated() {
        ParsedEmail mail = EmailParser.parse(fixture("no-headers.eml"));
        assertThat(mail.subject()).isEmpty();
        assertThat(mail.body()).isEqualTo("Just some text saved to a file, with no header block at all. Second paragraph.");
        assertThat(mail.date()).isEmpty();
        assertThat(mail.dateSource()).isEqualTo(ParsedEmail.DateSource.NONE);
    }

    @Test
    void emptyAndHeaderOnlyInputsNeverFail() {
        assertThat(EmailParser.parse(new byte[0]).body()).isEmpty();
        ParsedEmail headerOnly = EmailParser.parse("Subject: hi\nDate: Mon, 2 Sep 2002 10:00:00 +0000\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(headerOnly.subject()).isEqualTo("hi");
        assertThat(headerOnly.body()).isEmpty();
        assertThat(headerOnly.date()).contains(Instant.parse("2002-09-02T10:00:00Z"));
    }

    @Test
    void multipartWithoutItsBoundaryKeepsTheBodyAsText() {
        String raw = "Content-Type: multipart/mixed; boundary=\"missing\"\n\nplain words, no parts\n";
        assertThat(EmailParser.parse(raw.getBytes(StandardCharsets.US_ASCII)).body()).isEqualTo("plain words, no parts");
    }

    @Test
    void untypedBodyThatStartsWithAPartIsReadAsMultipart() {
        String raw = "Subject: x\n\n--b1\nContent-Type: text/html\n\n<p>Hello <b>there</b></p>\n--b1--\n";
        assertThat(EmailParser.parse(raw.getBytes(StandardCharsets.US_ASCII)).body()).isEqualTo("Hello there");
    }

    @Test
    void deepNestingStopsAtTheLimit() {
        StringBuilder raw = new StringBuilder();
        int depth = EmailParser.MAX_DEPTH + 5;
        for (int i = 0; i < depth; i++) {
            raw.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\n\n--b").append(i).append('\n');
        }
        raw.append("Content-Type: text/plain\n\ndeep text\n");
        ParsedEmail mail = EmailParser.parse(raw.toString().getBytes(StandardCharsets.US_ASCII));
        // the multipart at MAX_DEPTH is not entered: its body stays raw text; no stack overflow
        assertThat(mail.body()).startsWith("--b" + EmailParser.MAX_DEPTH + " Content-Type: multipart/mixed")
                .endsWith("deep text");
    }
}
