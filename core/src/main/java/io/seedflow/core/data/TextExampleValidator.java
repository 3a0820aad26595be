package io.seedflow.core.data;

import io.seedflow.core.error.InvalidTextException;
import io.seedflow.core.model.encoder.Tokenizer;
import java.util.Optional;

/**
 * Checks a text event for a text model and tokenizes it, once: the payload must be text (not dense features), the
 * text non-empty, at most {@code maxChars} chars, with a token in the vocabulary, and the label a class of the
 * model. The text counterpart of {@link ExampleValidator}.
 */
public final class TextExampleValidator {
    /** The token ids of a valid text, or why it was refused. */
    public record Checked(int[] tokenIds, Rejection rejection) {
        public Optional<Rejection> refused() {
            return Optional.ofNullable(rejection);
        }
    }

    private final int classes;
    private final int maxTokens;
    private final int maxChars;

    public TextExampleValidator(int classes, int maxTokens, int maxChars) {
        if (classes < 2 || maxTokens < 3 || maxChars < 1) {
            throw new IllegalArgumentException("text validator: expected >= 2 classes, >= 3 tokens and >= 1 char, got "
                    + classes + ", " + maxTokens + ", " + maxChars);
        }
        this.classes = classes;
        this.maxTokens = maxTokens;
        this.maxChars = maxChars;
    }

    /** Checks the event's payload and label, and tokenizes its text with {@code tokenizer}. */
    public Checked check(float[] features, String text, int label, Tokenizer tokenizer) {
        if (text == null) {
            return refuse(features != null ? RejectionReason.WRONG_PAYLOAD : RejectionReason.EMPTY_TEXT,
                    features != null ? "the model takes text; the event carries " + features.length
                            + " dense features instead" : "the model takes text; the event has none");
        }
        if (features != null) {
            return refuse(RejectionReason.WRONG_PAYLOAD, "the event carries both text and " + features.length
                    + " dense features; a text model takes text only");
        }
        if (label < 0 || label >= classes) {
            return refuse(RejectionReason.LABEL_OUT_OF_RANGE, "label " + label + " is outside [0, " + classes + ")");
        }
        if (text.length() > maxChars) {
            return refuse(RejectionReason.TEXT_TOO_LONG, "text has " + text.length() + " chars, at most " + maxChars
                    + " are accepted (seedflow.job.max-text-chars)");
        }
        try {
            return new Checked(tokenizer.tokenIds(text, maxTokens), null);
        } catch (InvalidTextException e) {
            RejectionReason reason = switch (e.problem()) {
                case EMPTY -> RejectionReason.EMPTY_TEXT;
                case TOO_LONG -> RejectionReason.TEXT_TOO_LONG;
                case NOT_UTF8 -> RejectionReason.INVALID_TEXT;
            };
            return refuse(reason, e.getMessage());
        }
    }

    private static Checked refuse(RejectionReason reason, String message) {
        return new Checked(null, new Rejection(reason, message));
    }
}
