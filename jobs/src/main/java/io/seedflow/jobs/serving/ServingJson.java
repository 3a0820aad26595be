package io.seedflow.jobs.serving;

import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.json.JsonSyntaxException;
import io.seedflow.core.json.StrictJson;

/**
 * The JSON of the serving replica's requests and responses, also read by the embedded demo (its JSON-lines event
 * files and Flink's REST answers): core's {@link StrictJson} with serving's limits. A parsed value is a map, list,
 * string, boolean, null or {@link JsonNumber}; a refusal is a {@link JsonSyntaxException}, which the server answers
 * with 400.
 *
 * <p>One extension, as before Jackson: the tokens {@code NaN}, {@code Infinity} and {@code -Infinity} (which Python's
 * {@code json.dumps} writes) are read as numbers, so that request validation can name the non-finite value instead of
 * reporting a syntax error. Responses escape U+007F, U+2028 and U+2029 besides control characters.
 */
public final class ServingJson {
    /** Deepest nesting of arrays and objects accepted; bounds the work on hostile input. */
    public static final int MAX_DEPTH = 32;
    /**
     * Longest number, in characters: a float written by any JSON library takes at most about 25 (Python's repr of a
     * double); 128 leaves room for hand-written decimals and refuses a megabyte of digits.
     */
    public static final int MAX_NUMBER_LENGTH = 128;
    /** Longest string, in characters (1 Mi): far beyond what a text model reads (it truncates to its sequence). */
    public static final int MAX_STRING_LENGTH = 1 << 20;
    /** Longest document, in characters: the largest request body a server may be configured to take. */
    public static final int MAX_DOCUMENT_LENGTH = 256 << 20;

    private static final StrictJson JSON = StrictJson.builder().maxDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH)
            .maxStringLength(MAX_STRING_LENGTH).maxDocumentLength(MAX_DOCUMENT_LENGTH).nonFiniteNumberTokens(true)
            .escapeLineSeparators(true).build();

    private ServingJson() {
    }

    /**
     * Parses one JSON value that makes up the whole of {@code text} (whitespace around it allowed).
     *
     * @throws JsonSyntaxException naming the position and the problem
     */
    public static Object parse(String text) {
        return JSON.parse(text);
    }

    /** The compact JSON text that {@code content} writes. */
    public static String write(StrictJson.Content content) {
        return JSON.write(content);
    }
}
