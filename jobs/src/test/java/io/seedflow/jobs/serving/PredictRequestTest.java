package io.seedflow.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        "`{\"feature\": [1]}` => unknown field \"feature\"; expected \"features\" (one example) or \"instances\" (a batch)",
        "`{\"features\": [1], \"instances\": [[1]]}` => give either \"features\" or \"instances\", not both",
        "`{}` => request body: expected a field \"features\" (one example) or \"instances\" (a batch), got an empty object",
        "`[1, 2]` => request body: expected a JSON object with \"features\" (one example) or \"instances\" (a batch), "
                + "got an array of 2 values",
        "`{\"features\": [1,, 2]}` => malformed JSON at position 16: unexpected ','; expected a value",
    })
    void badRequestsNameTheValueAndWhatIsExpected(String body, String message) {
        assertThatThrownBy(() -> PredictRequest.parse(body)).isInstanceOf(HttpError.class).hasMessage(message)
                .satisfies(e -> assertThat(((HttpError) e).status()).isEqualTo(400));
    }
}
