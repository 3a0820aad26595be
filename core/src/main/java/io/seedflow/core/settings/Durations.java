package io.seedflow.core.settings;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people (and Flink's configuration) write them: a number with a unit ({@code 250ms}, {@code 10s},
 * {@code 10 s}, {@code 2min}, {@code 3m}, {@code 1h}, {@code 7d}) or ISO-8601 ({@code PT3M}); a bare number only as
 * {@code 0} (a bare {@code 180} could mean seconds or, to Flink, milliseconds, so it is refused). The one parser of
 * every duration setting and flag.
 */
public final class Durations {
    private static final Pattern AMOUNT_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");
    /** What a duration looks like, for error messages. */
    public static final String EXPECTED = "a duration such as 250ms, 10s, 2min, 1h or 7d";

    private Durations() {
    }

    /** The duration {@code text} describes, or {@link IllegalArgumentException} saying what was expected. */
    public static Duration parse(String text) {
        String v = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("p")) {
            try {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw notADuration(text);
            }
        }
        Matcher m = AMOUNT_UNIT.matcher(v);
        if (!m.matches()) {
            throw notADuration(text);
        }
        double amount = Double.parseDouble(m.group(1));
        if (m.group(2).isEmpty() && amount != 0) {
            throw new IllegalArgumentException("'" + text + "' has no unit; expected " + EXPECTED);
        }
        double millis = amount * switch (m.group(2)) {
            case "", "ms", "milli", "millis", "millisecond", "milliseconds" -> 1;
            case "s", "sec", "secs", "second", "seconds" -> 1_000;
            case "m", "min", "mins", "minute", "minutes" -> 60_000;
            case "h", "hour", "hours" -> 3_600_000;
            case "d", "day", "days" -> 86_400_000;
            default -> throw notADuration(text);
        };
        if (millis > Long.MAX_VALUE / 2) {
            throw notADuration(text);
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /** {@code d} written the way {@link #parse} reads it back, in the largest unit that divides it. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "min";
        }
        if (ms % 1_000 == 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("'" + text + "' is not " + EXPECTED);
    }
}
