package io.seedflow.jobs.serving;

/** A request body that is not valid JSON; {@link #position()} is the 0-based character offset of the problem. */
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
