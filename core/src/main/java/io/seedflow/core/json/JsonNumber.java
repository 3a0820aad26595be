package io.seedflow.core.json;

/**
 * A JSON number as written. Keeping the token lets a float be parsed from the decimal text directly (parsing to
 * double first could round twice) and an integer be checked against its range without a detour through double.
 *
 * @param text matches the JSON number grammar, or is {@code NaN}, {@code Infinity} or {@code -Infinity} where the
 *             reader {@linkplain StrictJson.Builder#nonFiniteNumberTokens accepts those}
 */
public record JsonNumber(String text) {
    /** The nearest float32 to the decimal value (infinite when out of float range, NaN for NaN). */
    public float floatValue() {
        return Float.parseFloat(text);
    }

    /** Whether the text is an integer: no fraction, no exponent. */
    public boolean isIntegral() {
        return text.chars().allMatch(c -> c == '-' || (c >= '0' && c <= '9'));
    }

    @Override
    public String toString() {
        return text;
    }
}
