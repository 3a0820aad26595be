package io.seedflow.core.error;

/** A perturbed loss was NaN or infinite and the trainer was configured to fail rather than skip such steps. */
public class NonFiniteLossException extends SeedFlowException {
    public NonFiniteLossException(long step, double lossPlus, double lossMinus) {
        super("step " + step + ": perturbed losses must be finite but got L+=" + lossPlus + ", L-=" + lossMinus
                + "; lower the learning rate or epsilon, or set non-finite-policy=SKIP");
    }
}
