package io.seedflow.core.log;

/**
 * One term of an update: theta_i <- fma(-coefficient, z_i(seed), theta_i). Only seed and coefficient are needed to
 * apply it; the gradient and losses are carried for monitoring.
 */
public record PerturbationTerm(long seed, float coefficient, float projectedGradient, float lossPlus, float lossMinus) {
}
