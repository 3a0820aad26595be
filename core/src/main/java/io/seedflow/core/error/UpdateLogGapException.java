package io.seedflow.core.error;

/** The next record's step is beyond version+1: records are missing. A replica must re-bootstrap, never skip. */
public class UpdateLogGapException extends SeedFlowException {
    private final long expectedStep;
    private final long foundStep;

    public UpdateLogGapException(String modelId, long expectedStep, long foundStep) {
        super("update log gap for model '" + modelId + "': expected step " + expectedStep + " but got step " + foundStep
                + " (missing steps " + expectedStep + ".." + (foundStep - 1)
                + "); re-bootstrap from a snapshot at or after step " + (expectedStep - 1));
        this.expectedStep = expectedStep;
        this.foundStep = foundStep;
    }

    public long expectedStep() {
        return expectedStep;
    }

    public long foundStep() {
        return foundStep;
    }
}
