package io.seedflow.core.error;

/** A record's step is at or below the current version: a duplicate or a reordering of the log. */
public class UpdateOrderException extends SeedFlowException {
    public UpdateOrderException(String modelId, long expectedStep, long foundStep) {
        super("update log out of order for model '" + modelId + "': expected step " + expectedStep + " but got step "
                + foundStep + " (already applied: duplicate or reordered record)");
    }
}
