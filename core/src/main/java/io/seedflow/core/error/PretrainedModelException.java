package io.seedflow.core.error;

/**
 * The files of a pretrained model (weights, graph constants, tokenizer) are missing or differ from what SeedFlow's
 * implementation of that model requires. The message names the tensor, constant or resource, what was found and
 * what is required.
 */
public class PretrainedModelException extends SeedFlowException {
    public PretrainedModelException(String message) {
        super(message);
    }

    public PretrainedModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
