package io.seedflow.core.json;

/**
 * JSON text that is malformed or breaks a limit of its {@link StrictJson} reader; {@link #position()} is the 0-based
 * character offset of the problem. The message is one line: {@code malformed JSON at position N: <problem>}.
 */
public final class JsonSyntaxException extends IllegalArgumentException {
    private final int position;

    public JsonSyntaxException(int position, String problem) {
        super("malformed JSON at position " + position + ": " + problem);
        this.position = position;
    }

    public int position() {
        return position;
    }
}
