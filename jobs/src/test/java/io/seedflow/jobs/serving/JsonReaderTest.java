package io.seedflow.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.jobs.serving.JsonReader.JsonNumber;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@SuppressWarnings("unchecked") // casts of parsed JSON values
class JsonReaderTest {
    @Test
    void readsEveryKindOfValue() {
        Object v = JsonReader.parse(" {\"a\": [1, -0.5, 2e3, 1E-2], \"b\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\","
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
        JsonNumber n = (JsonNumber) JsonReader.parse("1.00000005960464477539062500001");
        assertThat(n.floatValue()).isEqualTo(Math.nextUp(1.0f));
        assertThat((float) Double.parseDouble(n.text())).isEqualTo(1.0f);
        assertThat(((JsonNumber) JsonReader.parse("1e39")).floatValue()).isInfinite();
    }

    @Test
    void nanAndInfinityAreReadSoThatValidationCanNameThem() {
        List<Object> l = (List<Object>) JsonReader.parse("[NaN, Infinity, -Infinity]");
        assertThat(l).containsExactly(new JsonNumber("NaN"), new JsonNumber("Infinity"), new JsonNumber("-Infinity"));
        assertThat(((JsonNumber) l.get(0)).floatValue()).isNaN();
        assertThat(((JsonNumber) l.get(2)).floatValue()).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|0|unexpected end of input; expected a value",
        "`   `|3|unexpected end of input; expected a value",
        "`{\"features\": [1, 2,]}`|19|unexpected ']'; expected a value",
        "`{\"features\": [1 2]}`|16|unexpected '2'; expected ',' or ']'",
        "`[1, 2`|5|unexpected end of input; expected ',' or ']'",
        "`{\"a\" 1}`|5|unexpected '1'; expected ':'",
        "`{'a': 1}`|1|unexpected '''; expected a key in double quotes",
        "`{\"a\": 1,}`|8|unexpected '}'; expected a key in double quotes",
        "`{\"a\": 1} x`|9|unexpected 'x' after the end of the JSON value",
        "`[01]`|2|leading zero in a number",
        "`[1.]`|3|unexpected ']'; expected a digit",
        "`[.5]`|1|unexpected '.'; expected a value",
        "`[-]`|2|unexpected ']'; expected a digit",
        "`[1e]`|3|unexpected ']'; expected a digit",
        "`[+1]`|1|unexpected '+'; expected a value",
        "`[tru]`|1|unexpected 't'; expected a value",
        "`[nan]`|1|unexpected 'n'; expected a value",
        "`[\"a\\x\"]`|3|invalid escape '\\x'",
        "`[\"\\u12g4\"]`|6|unexpected 'g'; expected 4 hex digits after \\u",
        "`{\"a\": 1, \"a\": 2}`|9|duplicate key \"a\"",
        "`[\"abc`|5|unexpected end of input; expected '\"' to close the string",
    })
    void syntaxErrorsNameThePosition(String text, int position, String problem) {
        assertThatThrownBy(() -> JsonReader.parse(text)).isInstanceOf(JsonSyntaxException.class)
                .hasMessage("malformed JSON at position " + position + ": " + problem)
                .satisfies(e -> assertThat(((JsonSyntaxException) e).position()).isEqualTo(position));
    }

    @Test
    void controlCharactersInStringsAreRefused() {
        assertThatThrownBy(() -> JsonReader.parse("[\"a\nb\"]"))
                .hasMessage("malformed JSON at position 3: unescaped control character U+000A in a string");
    }

    @Test
    void deepNestingIsRefusedWithoutOverflowingTheStack() {
        String ok = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        assertThat(JsonReader.parse(ok)).isInstanceOf(List.class);
        String deep = "[".repeat(100_000);
        assertThatThrownBy(() -> JsonReader.parse(deep)).isInstanceOf(JsonSyntaxException.class)
                .hasMessage("malformed JSON at position " + JsonReader.MAX_DEPTH + ": nesting deeper than "
                        + JsonReader.MAX_DEPTH + " levels");
    }
}
