package io.seedflow.core.data;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * One dated, labeled mail of a corpus: its date, decoded subject, body text, label (1 spam, 0 ham) and source file
 * ({@code folder/file name} inside the corpus directory).
 */
public record LabeledEmail(Instant date, String subject, String body, int label, String source) {
    public static final int HAM = 0;
    public static final int SPAM = 1;
    /** Time order: by date, then by source file for mails of the same instant. */
    public static final Comparator<LabeledEmail> TIME_ORDER =
            Comparator.comparing(LabeledEmail::date).thenComparing(LabeledEmail::source);

    public LabeledEmail {
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(source, "source");
        if (label != HAM && label != SPAM) {
            throw new IllegalArgumentException("label of " + source + " must be 0 (ham) or 1 (spam), got " + label);
        }
    }

    /** What a text model reads: subject, a line break, body. */
    public String text() {
        return subject + "\n" + body;
    }

    public boolean isSpam() {
        return label == SPAM;
    }
}
