package io.seedflow.core.error;

/** Writing on would fork a model's update log: another trainer already continued it (update-log-spec §7.3). */
public class ForkedLogException extends SeedFlowException {
    public ForkedLogException(String message) {
        super(message);
    }
}
