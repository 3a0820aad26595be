package io.seedflow.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.json.JsonSyntaxException;
import io.seedflow.core.json.StrictJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Serving's JSON (formerly its hand-written JsonReader/JsonWriter, now Jackson through core's StrictJson): what is
 * read, what is refused (with the position, in one line) and how responses are written.
 */
@SuppressWarnings("unchecked") // casts of parsed JSON values
class ServingJsonTest {
    @Test
    void readsEveryKindOfValue() {
        Object v = ServingJson.parse(" {\"a\": [1, -0.5, 2e3, 1E-2], \"b\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\","
                + " \"c\": true, \"d\": false, \"e\": null, \"f\": {}, \"g\": []}\n");
        assertThat(v).isInstanceOf(Map.class);
        Map<Object, Object> m = (Map<Object, Object>) v;
        assertThat(m.keySet()).containsExactly("a", "b", "c", "d", "e", "f", "g");
        assertThat((List<Object>) m.get("a")).containsExactly(new JsonNumber("1"), new JsonNumber("-0.5"),
                new JsonNumber("2e3"), new JsonNumber("1E-2"));
        assertThat(m.get("b")).isEqualTo("x\"\\/\b\f\n\r\té");
        assertThat(m.get("c")).isEqualTo(Boolean.TRUE);
        assertThat(m.get("d")).isEqualTo(Boolean.FALSE);
        assertThat(m.containsKey("e")).isTrue();
        assertThat(m.get("e")).isNull();
        assertThat((Map<Object, Object>) m.get("f")).isEmpty();
        assertThat((List<Object>) m.get("g")).isEmpty();
    }

    @Test
    void numbersBecomeTheNearestFloatOfTheirDecimalText() {
        // 1.00000005960464477539062500001 is just above the midpoint between 1 and the next float: the float is
        // 1.0000001f; going through double first rounds to the midpoint, then (ties to even) to 1.0f
        JsonNumber n = (JsonNumber) ServingJson.parse("1.00000005960464477539062500001");
        assertThat(n.floatValue()).isEqualTo(Math.nextUp(1.0f));
        assertThat((float) Double.parseDouble(n.text())).isEqualTo(1.0f);
        assertThat(((JsonNumber) ServingJson.parse("1e39")).floatValue()).isInfinite();
    }

    @Test
    void nanAndInfinityAreReadSoThatValidationCanNameThem() {
        List<Object> l = (List<Object>) ServingJson.parse("[NaN, Infinity, -Infinity]");
        assertThat(l).containsExactly(new JsonNumber("NaN"), new JsonNumber("Infinity"), new JsonNumber("-Infinity"));
        assertThat(((JsonNumber) l.get(0)).floatValue()).isNaN();
        assertThat(((JsonNumber) l.get(2)).floatValue()).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    /** The inputs the hand-written reader refused, still refused at the same position, now in Jackson's words. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|0|unexpected end of input; expected a value",
        "`   `|3|unexpected end of input; expected a value",
        "`{\"features\": [1, 2,]}`|19|Unexpected character (']' (code 93)): expected a valid value",
        "`{\"features\": [1 2]}`|16|Unexpected character ('2' (code 50)): was expecting comma",
        "`[1, 2`|5|Unexpected end-of-input: expected close marker for Array",
        "`{\"a\" 1}`|5|was expecting a colon to separate field name and value",
        "`{'a': 1}`|1|was expecting double-quote to start field name",
        "`{\"a\": 1,}`|8|was expecting double-quote to start field name",
        "`{\"a\": 1} x`|10|Unrecognized token 'x'",
        "`{\"a\": 1} {`|9|unexpected { after the end of the JSON value",
        "`[01]`|2|Leading zeroes not allowed",
        "`[1.]`|2|Decimal point not followed by a digit",
        "`[.5]`|1|Unexpected character ('.' (code 46)): expected a valid value",
        "`[-]`|2|expected digit (0-9) to follow minus sign",
        "`[1e]`|2|Exponent indicator not followed by a digit",
        "`[+1]`|2|JSON spec does not allow numbers to have plus signs",
        "`[+Infinity]`|1|unexpected token '+Infinity'; expected a JSON number, NaN, Infinity or -Infinity",
        "`[-INF]`|1|unexpected token '-INF'; expected a JSON number, NaN, Infinity or -Infinity",
        "`[tru]`|4|Unrecognized token 'tru'",
        "`[nan]`|4|Unrecognized token 'nan'",
        "`[\"a\\x\"]`|4|Unrecognized character escape 'x'",
        "`[\"\\u12g4\"]`|6|expected a hex-digit for character escape sequence",
        "`{\"a\": 1, \"a\": 2}`|12|Duplicate field 'a'",
        "`[\"abc`|5|Unexpected end-of-input: was expecting closing quote for a string value",
    })
    void syntaxErrorsNameThePosition(String text, int position, String problem) {
        assertRefused(text, position, problem);
    }

    @Test
    void controlCharactersInStringsAreRefused() {
        assertRefused("[\"a\nb\"]", 3, "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped");
    }

    @Test
    void deepNestingIsRefusedWithoutOverflowingTheStack() {
        String ok = "[".repeat(ServingJson.MAX_DEPTH) + "]".repeat(ServingJson.MAX_DEPTH);
        assertThat(ServingJson.parse(ok)).isInstanceOf(List.class);
        assertRefused("[".repeat(100_000), ServingJson.MAX_DEPTH, "Document nesting depth (33) exceeds the maximum "
                + "allowed (" + ServingJson.MAX_DEPTH + ")");
    }

    @Test
    void hugeNumbersAndStringsAreRefused() {
        String longest = "1".repeat(ServingJson.MAX_NUMBER_LENGTH);
        assertThat(ServingJson.parse("[" + longest + "]")).isEqualTo(List.of(new JsonNumber(longest)));
        assertRefused("{\"features\": [" + "1".repeat(10_000) + "]}", 14,
                "Number value length (10000) exceeds the maximum allowed (" + ServingJson.MAX_NUMBER_LENGTH + ")");
        assertRefused("{\"text\": \"" + "x".repeat(ServingJson.MAX_STRING_LENGTH + 1) + "\"}", 9,
                "String value length (" + (ServingJson.MAX_STRING_LENGTH + 1) + ") exceeds the maximum allowed ("
                        + ServingJson.MAX_STRING_LENGTH + ")");
    }

    @Test
    void responsesAreCompactWithControlCharactersAndLineSeparatorsEscaped() {
        String body = ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("s", "q\"\\/\n\r\t\b\f\u0001\u007f\u2028\u2029é");
            g.writeStringField("none", null);
            g.writeNumberField("n", 12L);
            g.writeBooleanField("b", true);
            g.writeFieldName("p");
            StrictJson.writeFloats(g, new float[] {0.1f, 1.0E-10f, 0f, Math.nextUp(1.0f)});
            g.writeEndObject();
        });
        assertThat(body).isEqualTo("{\"s\":\"q\\\"\\\\/\\n\\r\\t\\u0008\\u000c\\u0001\\u007f\\u2028\\u2029é\","
                + "\"none\":null,\"n\":12,\"b\":true,\"p\":[0.1,1.0E-10,0.0,1.0000001]}");
    }

    private static void assertRefused(String text, int position, String problem) {
        assertThatThrownBy(() -> ServingJson.parse(text)).isInstanceOf(JsonSyntaxException.class)
                .hasMessageStartingWith("malformed JSON at position " + position + ": ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(((JsonSyntaxException) e).position()).isEqualTo(position))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("`")
                        .doesNotContain("com.fasterxml"));
    }
}
