package io.seedflow.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SnapshotIntegrityException;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Snapshot headers are untrusted input (a file in an object store, a fixture from elsewhere): malformed or hostile
 * JSON is a {@link SnapshotIntegrityException} with a one-line message naming the problem, from {@code decode} and
 * {@code readMetadata} alike; never a {@link StackOverflowError}, never a bare parser class name.
 */
class HostileSnapshotHeaderTest {
    private static final String TENSOR = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "deep nesting|DEEP|nesting depth (65) exceeds the maximum allowed (64)",
        "huge number|HUGE|Number value length (10000) exceeds the maximum allowed (32)",
        "duplicate keys|`{" + TENSOR + "," + TENSOR + "}`|Duplicate field 'a'",
        "plus sign|`{\"a\":{\"dtype\":\"F32\",\"shape\":[+2],\"data_offsets\":[0,8]}}`|plus sign",
        "bare exponent|`{\"a\":{\"dtype\":\"F32\",\"shape\":[2e],\"data_offsets\":[0,8]}}`"
                + "|Exponent indicator not followed by a digit",
        "NaN|`{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,8]}}`|Non-standard token 'NaN'",
        "leading zero|`{\"a\":{\"dtype\":\"F32\",\"shape\":[02],\"data_offsets\":[0,8]}}`|Leading zeroes not allowed",
        "an array|`[1,2]`|must be a JSON object, got an array",
        "a string|`\"text\"`|must be a JSON object, got 'text'",
        "truncated|`{\"__metadata__\":{\"seedflow.model-id\":\"m\"`|Unexpected end-of-input",
        "trailing text|`{" + TENSOR + "} x`|Unrecognized token 'x'",
        "integer beyond long|`{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}`"
                + "|beyond the range of a long",
    })
    void hostileHeadersAreOneLineIntegrityErrors(String what, String header, String problem) {
        String h = switch (header) {
            case "DEEP" -> "[".repeat(100_000);
            case "HUGE" -> "{\"a\":" + "1".repeat(10_000) + "}";
            default -> header;
        };
        byte[] file = SafetensorsFormatTest.handMade(h, new byte[8]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(file, null)).as(what)
                .isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining(problem)
                .satisfies(e -> assertOneLineWithoutParserNames(e.getMessage()));
        assertThatThrownBy(() -> SafetensorsFormat.readMetadata(new ByteArrayInputStream(file), file.length)).as(what)
                .isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining(problem);
    }

    static void assertOneLineWithoutParserNames(String message) {
        assertThat(message).doesNotContain("\n").doesNotContain("\r").doesNotContain("com.fasterxml")
                .doesNotContain("StreamReadConstraints").doesNotContain("JsonReadFeature").doesNotContain("Source:")
                .hasSizeLessThan(300);
    }
}
