package io.seedflow.core.data.mail;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the dates real mail carries. RFC 5322 section 3.3 ({@code [Thu,] 22 Aug 2002 07:36:16 -0400}) and its
 * obsolete forms (2- and 3-digit years, named zones UT/GMT/EST/EDT/CST/CDT/MST/MDT/PST/PDT, military letters as
 * +0000, comments anywhere, extra or missing spaces), plus what mailers write instead: ctime order
 * ({@code Thu Aug 22 12:36:23 2002}), full day and month names, {@code 22-Aug-2002}, ISO {@code 2002-08-22} (or
 * {@code 2002/08/22}), US {@code 08/22/2002},
 * {@code GMT+01:00}, {@code AM/PM}, fractional seconds, and a few common European/Asian zone abbreviations.
 *
 * <p>Reading is by token, not by position: the first 1-2 digit number is the day, the next the year, a 3-4 digit number
 * the year, a month name the month, h:mm[:ss] the time, a signed number the zone. A numeric zone wins over a named
 * one; no zone is UTC. Years 0-49 are 20xx, 50-999 are 1900+, as RFC 5322 section 4.3 says (also when written with a
 * leading zero: {@code 0102} is 2002). Zones beyond ±18:00 ({@code -1900}) make the date unreadable. The result must be a real
 * calendar date between 1970 and 2099 (forged dates outside that are treated as unreadable).
 */
public final class EmailDates {
    private static final Pattern TIME = Pattern.compile(
            "(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2}))?(?:\\.\\d+)?([+-]\\d{2}:?\\d{2})?");
    private static final Pattern OFFSET = Pattern.compile("([+-])(\\d{1,2}):?(\\d{2})?");
    private static final Pattern NAMED_OFFSET = Pattern.compile("(?i)(?:GMT|UTC|UT)([+-]\\d{1,2}(?::?\\d{2})?)");
    private static final Pattern ISO_DATE = Pattern.compile("(\\d{4})[-/](\\d{1,2})[-/](\\d{1,2})(?:T(.*))?");
    private static final Pattern US_DATE = Pattern.compile("(\\d{1,2})/(\\d{1,2})/(\\d{2,4})");
    private static final Pattern DASHED = Pattern.compile("(\\d{1,2})-([A-Za-z]{3,9})-(\\d{2,4})");
    private static final List<String> MONTHS = List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
            "oct", "nov", "dec");
    private static final Map<String, Integer> ZONES = Map.ofEntries(Map.entry("ut", 0), Map.entry("utc", 0),
            Map.entry("gmt", 0), Map.entry("z", 0), Map.entry("est", -5), Map.entry("edt", -4), Map.entry("cst", -6),
            Map.entry("cdt", -5), Map.entry("mst", -7), Map.entry("mdt", -6), Map.entry("pst", -8),
            Map.entry("pdt", -7), Map.entry("bst", 1), Map.entry("cet", 1), Map.entry("cest", 2), Map.entry("met", 1),
            Map.entry("mest", 2), Map.entry("eet", 2), Map.entry("eest", 3), Map.entry("wet", 0),
            Map.entry("west", 1), Map.entry("jst", 9), Map.entry("kst", 9), Map.entry("hkt", 8), Map.entry("sgt", 8),
            Map.entry("aest", 10), Map.entry("aedt", 11), Map.entry("nzst", 12), Map.entry("nzdt", 13));

    private EmailDates() {
    }

    /** The instant a Date header value names, or empty when it cannot be read. */
    public static Optional<Instant> parse(String value) {
        Fields f = new Fields();
        String cleaned = ContentType.stripComments(value).replace(',', ' ');
        for (String token : cleaned.trim().split("\\s+")) {
            if (!token.isEmpty()) {
                f.read(token);
            }
        }
        return f.instant();
    }

    /** The date after the last {@code ;} of a Received header value (RFC 5322 section 3.6.7). */
    public static Optional<Instant> parseReceived(String value) {
        int semi = value.lastIndexOf(';');
        return semi < 0 ? Optional.empty() : parse(value.substring(semi + 1));
    }

    /** What the tokens said so far; -1 is unset. */
    private static final class Fields {
        int day = -1;
        int month = -1;
        int year = -1;
        int yearDigits;
        int hour = -1;
        int minute;
        int second;
        int pm; // 0 none, 1 am, 2 pm
        Integer offsetMinutes;
        Integer namedOffsetMinutes;

        void read(String token) {
            Matcher m;
            if ((m = TIME.matcher(token)).matches()) {
                if (hour < 0) {
                    hour = Integer.parseInt(m.group(1));
                    minute = Integer.parseInt(m.group(2));
                    second = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
                    if (m.group(4) != null) {
                        read(m.group(4));
                    }
                }
            } else if ((m = ISO_DATE.matcher(token)).matches()) {
                year = Integer.parseInt(m.group(1));
                yearDigits = 4;
                month = Integer.parseInt(m.group(2)) - 1;
                day = Integer.parseInt(m.group(3));
                if (m.group(4) != null && !m.group(4).isEmpty()) {
                    String rest = m.group(4);
                    if (rest.endsWith("Z") || rest.endsWith("z")) {
                        offsetMinutes = offsetMinutes == null ? 0 : offsetMinutes;
                        rest = rest.substring(0, rest.length() - 1);
                    }
                    read(rest);
                }
            } else if ((m = US_DATE.matcher(token)).matches()) {
                month = Integer.parseInt(m.group(1)) - 1;
                day = Integer.parseInt(m.group(2));
                year = Integer.parseInt(m.group(3));
                yearDigits = m.group(3).length();
            } else if ((m = DASHED.matcher(token)).matches()) {
                read(m.group(1));
                read(m.group(2));
                read(m.group(3));
            } else if ((m = NAMED_OFFSET.matcher(token)).matches()) {
                read(m.group(1));
            } else if ((m = OFFSET.matcher(token)).matches()) {
                if (offsetMinutes == null) {
                    int hours = Integer.parseInt(m.group(2));
                    int minutes = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
                    int total = hours * 60 + minutes;
                    offsetMinutes = m.group(1).equals("-") ? -total : total;
                }
            } else if (token.chars().allMatch(Character::isDigit)) {
                readNumber(token);
            } else if (token.chars().allMatch(Character::isLetter)) {
                readWord(token.toLowerCase(Locale.ROOT));
            }
            // anything else (stray punctuation, "at") carries no date information
        }

        private void readNumber(String token) {
            if (token.length() > 4) {
                return;
            }
            int v = Integer.parseInt(token);
            if (token.length() >= 3 && year < 0) {
                year = v;
                yearDigits = token.length();
            } else if (token.length() <= 2 && day < 0) {
                day = v;
            } else if (token.length() <= 2 && year < 0) {
                year = v;
                yearDigits = token.length();
            }
        }

        private void readWord(String w) {
            if (w.length() >= 3 && w.length() <= 9 && MONTHS.contains(w.substring(0, 3)) && month < 0) {
                month = MONTHS.indexOf(w.substring(0, 3));
            } else if (w.equals("am") || w.equals("pm")) {
                pm = w.equals("am") ? 1 : 2;
            } else if (ZONES.containsKey(w)) {
                namedOffsetMinutes = ZONES.get(w) * 60;
            } else if (w.length() == 1 && w.charAt(0) != 'j') {
                namedOffsetMinutes = 0; // RFC 5322 section 4.3: military zones are taken as +0000
            }
        }

        Optional<Instant> instant() {
            if (day < 0 || month < 0 || month > 11 || year < 0) {
                return Optional.empty();
            }
            int y = year;
            if (yearDigits <= 2) {
                y += y < 50 ? 2000 : 1900;
            } else if (y < 1000) {
                y += 1900; // 3 digits, or 4 with a leading zero as buggy mailers wrote 2002: "0102"
            }
            int h = Math.max(hour, 0);
            if (pm == 2 && h < 12) {
                h += 12;
            } else if (pm == 1 && h == 12) {
                h = 0;
            }
            int offset = offsetMinutes != null ? offsetMinutes : namedOffsetMinutes != null ? namedOffsetMinutes : 0;
            if (y < 1970 || y > 2099 || Math.abs(offset) > 18 * 60) {
                return Optional.empty();
            }
            try {
                LocalDateTime local = LocalDateTime.of(y, month + 1, day, h, minute, Math.min(second, 59));
                return Optional.of(local.toInstant(ZoneOffset.ofTotalSeconds(offset * 60)));
            } catch (DateTimeException e) {
                return Optional.empty(); // 31 Feb, 25:00 and the like
            }
        }
    }
}
