package io.seedflow.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PredictRequestTest {
    @Test
    void oneExample() {
        PredictRequest r = PredictRequest.parse("{\"features\": [0, 0.5, -1.25e1, 3]}");
        assertThat(r.batch()).isFalse();
        assertThat(r.count()).isEqualTo(1);
        assertThat(r.instance(0)).containsExactly(0f, 0.5f, -12.5f, 3f);
        r.requireFeatureCount(4);
        assertThat(r.rowMajor()).containsExactly(0f, 0.5f, -12.5f, 3f);
    }

    @Test
    void aBatch() {
        PredictRequest r = PredictRequest.parse("{\"instances\": [[1, 2], [3, 4], [5, 6]]}");
        assertThat(r.batch()).isTrue();
        assertThat(r.count()).isEqualTo(3);
        r.requireFeatureCount(2);
        assertThat(r.rowMajor()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
    }

    @Test
    void featureCountIsCheckedAgainstTheModel() {
        PredictRequest one = PredictRequest.parse("{\"features\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}");
        assertThatThrownBy(() -> one.requireFeatureCount(784)).isInstanceOf(HttpError.class)
                .hasMessage("features: expected 784 features, got 10")
                .satisfies(e -> assertThat(((HttpError) e).status()).isEqualTo(400));
        PredictRequest batch = PredictRequest.parse("{\"instances\": [[1, 2], [3], [4, 5]]}");
        assertThatThrownBy(() -> batch.requireFeatureCount(2)).hasMessage("instances[1]: expected 2 features, got 1");
    }

    @Test
    void oneText() {
        PredictRequest r = PredictRequest.parse("{\"text\": \"Win a \\u20ac1000 prize \\ud83d\\ude00\"}");
        assertThat(r.batch()).isFalse();
        assertThat(r.inputKind()).isEqualTo(InputKind.TOKENS);
        assertThat(r.count()).isEqualTo(1);
        assertThat(r.texts()).containsExactly("Win a \u20ac1000 prize \ud83d\ude00");
        assertThat(r.textField(0)).isEqualTo("text");
    }

    @Test
    void aBatchOfTexts() {
        PredictRequest r = PredictRequest.parse("{\"texts\": [\"one\", \"\", \" two \"]}");
        assertThat(r.batch()).isTrue();
        assertThat(r.count()).isEqualTo(3);
        assertThat(r.texts()).containsExactly("one", "", " two "); // empty texts are the tokenizer's to refuse
        assertThat(r.textField(2)).isEqualTo("texts[2]");
    }

    @Test
    void atMostMaxTextsInOneRequest() {
        String texts = "\"a\",".repeat(PredictRequest.MAX_TEXTS);
        assertThat(PredictRequest.parse("{\"texts\": [" + texts.substring(0, texts.length() - 1) + "]}").count())
                .isEqualTo(PredictRequest.MAX_TEXTS);
        assertThatThrownBy(() -> PredictRequest.parse("{\"texts\": [" + texts + "\"a\"]}"))
                .hasMessage("texts: expected at most 64 texts, got 65; send larger batches in several requests");
    }

    @Test
    void theInputKindIsCheckedAgainstTheModel() {
        ModelSpec mlp = ModelSpecs.parse("mlp:6x5x3:relu");
        ModelSpec encoder = ModelSpecs.parse("encoder:all-minilm-l6-v2:2");
        PredictRequest features = PredictRequest.parse("{\"features\": [1, 2, 3, 4, 5, 6]}");
        features.requireInputOf(mlp);
        assertThatThrownBy(() -> features.requireInputOf(encoder)).isInstanceOf(HttpError.class)
                .hasMessage("features: model encoder:all-minilm-l6-v2:2 takes text; expected \"text\":\"...\" (one "
                        + "text) or \"texts\":[\"...\", ...] (a batch)");
        assertThatThrownBy(() -> PredictRequest.parse("{\"instances\": [[1]]}").requireInputOf(encoder))
                .hasMessageStartingWith("instances: model encoder:all-minilm-l6-v2:2 takes text; ");
        PredictRequest text = PredictRequest.parse("{\"text\": \"hello\"}");
        text.requireInputOf(encoder);
        assertThatThrownBy(() -> text.requireInputOf(mlp)).isInstanceOf(HttpError.class)
                .hasMessage("text: model mlp:6x5x3:relu takes 6 features, not text; expected \"features\":[6 "
                        + "numbers] (one example) or \"instances\":[[...], ...] (a batch)");
        assertThatThrownBy(() -> PredictRequest.parse("{\"texts\": [\"a\"]}").requireInputOf(mlp))
                .hasMessageStartingWith("texts: model mlp:6x5x3:relu takes 6 features, not text; ");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
        "`{\"features\": [1, NaN]}` => features[1]: expected a finite number within the float32 range "
                + "(|x| <= 3.4028235E38), got NaN",
        "`{\"features\": [Infinity]}` => features[0]: expected a finite number within the float32 range "
                + "(|x| <= 3.4028235E38), got Infinity",
        "`{\"instances\": [[1], [2, -1e39]]}` => instances[1][1]: expected a finite number within the float32 range "
                + "(|x| <= 3.4028235E38), got -1e39",
        "`{\"features\": [1, \"2\"]}` => features[1]: expected a number, got a string \"2\"",
        "`{\"features\": [1, null]}` => features[1]: expected a number, got null",
        "`{\"features\": [[1]]}` => features[0]: expected a number, got an array of 1 values",
        "`{\"features\": 5}` => features: expected an array of numbers, got the number 5",
        "`{\"instances\": [1, 2]}` => instances[0]: expected an array of numbers, got the number 1",
        "`{\"instances\": {}}` => instances: expected an array of feature arrays, got an object",
        "`{\"instances\": []}` => instances: expected at least one instance, got an empty array",
        "`{\"feature\": [1]}` => unknown field \"feature\"; expected \"features\" (one example) or \"instances\" "
                + "(a batch) for a model of features, \"text\" (one text) or \"texts\" (a batch) for a text model",
        "`{\"features\": [1], \"instances\": [[1]]}` => give one of \"features\", \"instances\", \"text\" or "
                + "\"texts\", got \"features\" and \"instances\"",
        "`{\"text\": \"a\", \"features\": [1]}` => give one of \"features\", \"instances\", \"text\" or "
                + "\"texts\", got \"text\" and \"features\"",
        "`{}` => request body: expected a field " + PredictRequest.FORMS + ", got an empty object",
        "`[1, 2]` => request body: expected a JSON object with " + PredictRequest.FORMS + ", got an array of 2 values",
        "`{\"text\": 5}` => text: expected a string, got the number 5",
        "`{\"text\": null}` => text: expected a string, got null",
        "`{\"text\": [\"a\", \"b\"]}` => text: expected a string, got an array of 2 values; a batch of texts goes "
                + "in \"texts\"",
        "`{\"texts\": \"a b\"}` => texts: expected an array of strings, got a string \"a b\"; one text goes in "
                + "\"text\"",
        "`{\"texts\": []}` => texts: expected at least one text, got an empty array",
        "`{\"texts\": [\"a\", 3]}` => texts[1]: expected a string, got the number 3",
        "`{\"texts\": [\"a\", [\"b\"]]}` => texts[1]: expected a string, got an array of 1 values",
        "`{\"text\": \"ab\\ud800c\"}` => text: expected valid Unicode, got an unpaired surrogate U+D800 at char 2",
        "`{\"texts\": [\"\\udc00\"]}` => texts[0]: expected valid Unicode, got an unpaired surrogate U+DC00 at "
                + "char 0",
        "`{\"instances\": [\"free money\", \"hi\"]}` => instances[0]: expected an array of numbers, got a string "
                + "\"free money\"; a batch of texts goes in \"texts\"",
        "`{\"features\": [1,, 2]}` => malformed JSON at position 16: Unexpected character (',' (code 44)): "
                + "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    })
    void badRequestsNameTheValueAndWhatIsExpected(String body, String message) {
        assertThatThrownBy(() -> PredictRequest.parse(body)).isInstanceOf(HttpError.class).hasMessage(message)
                .satisfies(e -> assertThat(((HttpError) e).status()).isEqualTo(400));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "deep nesting|malformed JSON at position 45: Document nesting depth (33) exceeds the maximum allowed (32)",
        "duplicate keys|malformed JSON at position 28: Duplicate field 'features'",
        "huge number|malformed JSON at position 14: Number value length (10000) exceeds the maximum allowed (128)",
        "+Infinity|malformed JSON at position 17: unexpected token '+Infinity'; expected a JSON number, NaN, "
                + "Infinity or -Infinity",
    })
    void hostileBodiesAreOneLine400s(String what, String message) {
        String body = switch (what) {
            case "deep nesting" -> "{\"instances\": " + "[".repeat(100_000);
            case "duplicate keys" -> "{\"features\": [1], \"features\": [2]}";
            case "huge number" -> "{\"features\": [" + "9".repeat(10_000) + "]}";
            default -> "{\"features\": [1, +Infinity]}";
        };
        assertThatThrownBy(() -> PredictRequest.parse(body)).as(what).isInstanceOf(HttpError.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(((HttpError) e).status()).isEqualTo(400));
    }
}
