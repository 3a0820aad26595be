package io.seedflow.jobs.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations as people type them: {@code 90s}, {@code 3m}, {@code 1h}, {@code 250ms}, a bare number of seconds,
 * or ISO-8601 ({@code PT3M}).
 */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("pt") || v.startsWith("p")) {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            char unit = v.charAt(v.length() - 1);
            String number = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
            double amount = Double.parseDouble(number);
            double seconds = switch (unit) {
                case 'h' -> amount * 3600;
                case 'm' -> amount * 60;
                case 's' -> amount;
                default -> {
                    if (!Character.isDigit(unit)) {
                        throw new NumberFormatException("unknown unit '" + unit + "'");
                    }
                    yield amount;
                }
            };
            return Duration.ofMillis(Math.round(seconds * 1000));
        } catch (RuntimeException e) {
            throw new TypeConversionException("'" + value + "' is not a duration; expected e.g. 90s, 3m, 1h, 250ms "
                    + "or a number of seconds");
        }
    }
}
