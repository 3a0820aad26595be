package io.seedflow.core.json;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * How {@link StrictJson} escapes strings, kept exactly as the project's formats have always been written (snapshot
 * headers are pinned byte for byte): {@code \"}, {@code \\}, {@code \n}, {@code \r} and {@code \t}, every other
 * control character as <code>&#92;u00xx</code> (lower-case hex; so U+0008 and U+000C too, where Jackson's default
 * writes {@code \b} and {@code \f}), and everything else as is ({@code /} and non-ASCII included). Optionally
 * U+007F, U+2028 and U+2029 are escaped too, as serving's responses do.
 */
final class JsonEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final SerializedString LINE_SEPARATOR = new SerializedString("\\u2028");
    private static final SerializedString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

    private final int[] ascii = standardAsciiEscapesForJSON();
    private final boolean escapeLineSeparators;

    JsonEscapes(boolean escapeLineSeparators) {
        this.escapeLineSeparators = escapeLineSeparators;
        ascii['\b'] = ESCAPE_STANDARD;
        ascii['\f'] = ESCAPE_STANDARD;
        if (escapeLineSeparators) {
            ascii[0x7f] = ESCAPE_STANDARD;
        }
    }

    @Override
    public int[] getEscapeCodesForAscii() {
        return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int c) {
        if (!escapeLineSeparators) {
            return null;
        }
        return c == '\u2028' ? LINE_SEPARATOR : c == '\u2029' ? PARAGRAPH_SEPARATOR : null;
    }
}
