package io.seedflow.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@SuppressWarnings("unchecked") // casts of parsed JSON values
class StrictJsonTest {
    private static final StrictJson JSON = StrictJson.builder().maxDepth(4).maxNumberLength(10).maxStringLength(8)
            .maxDocumentLength(100).build();
    private static final StrictJson LENIENT_NUMBERS = StrictJson.builder().maxDepth(4).maxNumberLength(10)
            .maxStringLength(16).maxDocumentLength(100).nonFiniteNumberTokens(true).escapeLineSeparators(true).build();

    @Test
    void readsEveryKindOfValueInOrder() {
        Map<String, Object> m = (Map<String, Object>) JSON.parse(" {\"z\": [1, -0.5, 2e3], \"a\": \"x\\u00e9\","
                + " \"t\": true, \"f\": false, \"n\": null, \"o\": {}}\n");
        assertThat(m.keySet()).containsExactly("z", "a", "t", "f", "n", "o");
        assertThat((List<Object>) m.get("z")).containsExactly(new JsonNumber("1"), new JsonNumber("-0.5"),
                new JsonNumber("2e3"));
        assertThat(m.get("a")).isEqualTo("xé");
        assertThat(m).containsEntry("t", true).containsEntry("f", false).containsEntry("n", null);
        assertThat((Map<String, Object>) m.get("o")).isEmpty();
    }

    @Test
    void limitsAreOneLineSyntaxErrorsWithThePosition() {
        assertThat(JSON.parse("[[[[]]]]")).isInstanceOf(List.class);
        assertRefused(JSON, "[[[[[]]]]]", 4, "nesting depth (5) exceeds the maximum allowed (4)");
        assertRefused(JSON, "[".repeat(100), 4, "nesting depth (5) exceeds the maximum allowed (4)");
        assertRefused(JSON, "[1, 12345678901]", 4, "Number value length (11) exceeds the maximum allowed (10)");
        assertRefused(JSON, "[\"123456789\"]", 1, "String value length (9) exceeds the maximum allowed (8)");
        assertRefused(JSON, " ".repeat(101), 100, "document of 101 characters exceeds the maximum of 100");
    }

    @Test
    void syntaxErrorsAreOneLineWithThePosition() {
        assertRefused(JSON, "", 0, "unexpected end of input; expected a value");
        assertRefused(JSON, "{\"a\": 1, \"a\": 2}", 12, "Duplicate field 'a'");
        assertRefused(JSON, "[1] [2]", 4, "unexpected [ after the end of the JSON value");
        assertRefused(JSON, "[+1]", 2, "JSON spec does not allow numbers to have plus signs");
        assertRefused(JSON, "[1, 2", 5, "Unexpected end-of-input: expected close marker for Array");
        assertRefused(JSON, "[NaN]", 4, "Non-standard token 'NaN'");
    }

    @Test
    void nonFiniteTokensOnlyWhenAskedAndOnlyThoseOfPython() {
        assertThat((List<Object>) LENIENT_NUMBERS.parse("[NaN, Infinity, -Infinity]")).containsExactly(
                new JsonNumber("NaN"), new JsonNumber("Infinity"), new JsonNumber("-Infinity"));
        for (String other : new String[] {"+Infinity", "-INF", "+INF"}) {
            assertThatThrownBy(() -> LENIENT_NUMBERS.parse("[" + other + "]")).isInstanceOf(JsonSyntaxException.class)
                    .hasMessageContaining("unexpected token '" + other + "'; expected a JSON number, NaN, Infinity");
        }
    }

    @Test
    void writesCompactlyWithTheFormatsEscapes() {
        String tricky = "q\"\\/\n\r\t\b\f\u0001\u001f\u007f\u2028\u2029é";
        assertThat(JSON.write(g -> {
            g.writeStartObject();
            g.writeStringField("s", tricky);
            g.writeNumberField("n", 12L);
            g.writeEndObject();
        })).isEqualTo("{\"s\":\"q\\\"\\\\/\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\u007f\u2028\u2029é\",\"n\":12}");
        assertThat(LENIENT_NUMBERS.write(g -> g.writeString(tricky)))
                .isEqualTo("\"q\\\"\\\\/\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\\u007f\\u2028\\u2029é\"");
    }

    @Test
    void floatsAreWrittenAsFloatToStringAndNonFiniteOnesRefused() {
        float[] v = {0.1f, -1.0E-10f, 3.4028235E38f, Math.nextUp(1.0f), 0f};
        assertThat(JSON.write(g -> StrictJson.writeFloats(g, v)))
                .isEqualTo("[0.1,-1.0E-10,3.4028235E38,1.0000001,0.0]");
        assertThatThrownBy(() -> JSON.write(g -> StrictJson.writeFloats(g, new float[] {Float.NaN})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("JSON has no form for the non-finite float NaN");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void limitsMustBePositive(int limit) {
        assertThatThrownBy(() -> StrictJson.builder().maxDepth(limit)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDepth must be at least 1, got " + limit);
        assertThatThrownBy(() -> StrictJson.builder().maxDepth(3).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("StrictJson needs maxDepth, maxNumberLength");
    }

    private static void assertRefused(StrictJson json, String text, int position, String problem) {
        assertThatThrownBy(() -> json.parse(text)).as(text).isInstanceOf(JsonSyntaxException.class)
                .hasMessageStartingWith("malformed JSON at position " + position + ": ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(((JsonSyntaxException) e).position()).isEqualTo(position))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("`"));
    }
}
