package io.seedflow.core.data.mail;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link EmailParser} reads from one raw mail: the decoded subject, the body text (whitespace collapsed), and the
 * date with where it came from.
 */
public record ParsedEmail(String subject, String body, Optional<Instant> date, DateSource dateSource) {
    /** Where a mail's date was read. */
    public enum DateSource {
        /** The Date header. */
        DATE_HEADER,
        /** The Date header was missing or unreadable; the newest (topmost) readable Received header. */
        RECEIVED,
        /** Neither: the mail is undated. */
        NONE
    }

    public ParsedEmail {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(date, "date");
        if (date.isPresent() == (dateSource == DateSource.NONE)) {
            throw new IllegalArgumentException("date " + date + " does not fit date source " + dateSource);
        }
    }
}
