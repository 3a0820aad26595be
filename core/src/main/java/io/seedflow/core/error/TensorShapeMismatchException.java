package io.seedflow.core.error;

/** A tensor's shape or element count differs from what the model (or snapshot) requires. */
public class TensorShapeMismatchException extends SeedFlowException {
    public TensorShapeMismatchException(String message) {
        super(message);
    }
}
