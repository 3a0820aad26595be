package io.seedflow.core.model.encoder;

import io.seedflow.core.error.InvalidTextException;

/**
 * Text to the token ids of an encoder's vocabulary ({@code [CLS]}, the text's tokens, {@code [SEP]}); opened through
 * {@link Tokenizers#forEncoder}. May hold a native handle: {@link #close()} it; not for concurrent use.
 */
public interface Tokenizer extends AutoCloseable {
    /**
     * The ids of {@code text}, at most {@code maxTokens}: a longer text keeps its first {@code maxTokens - 2} tokens.
     *
     * @throws InvalidTextException when the text is empty or blank, has no token, or is longer than
     *     {@link #maxChars()}
     */
    int[] tokenIds(String text, int maxTokens);

    /** The longest text accepted, in UTF-16 chars. */
    int maxChars();

    @Override
    void close();
}
