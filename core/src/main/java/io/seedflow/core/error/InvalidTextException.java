package io.seedflow.core.error;


/** A text cannot be tokenized for the model; {@link #problem()} says why (for a dead-letter reason). */
public final class InvalidTextException extends SeedFlowException {
    /** What is wrong with the text. */
    public enum Problem {
        /** Empty, only whitespace, or nothing the vocabulary has a token for. */
        EMPTY,
        /** More characters than the tokenizer's limit. */
        TOO_LONG,
        /** Bytes that are not valid UTF-8. */
        NOT_UTF8
    }

    private final Problem problem;

    public InvalidTextException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
