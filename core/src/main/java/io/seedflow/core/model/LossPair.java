package io.seedflow.core.model;

/** The two losses of one ZO probe on one mini-batch: L(theta + eps z) and L(theta - eps z). */
public record LossPair(double plus, double minus) {
    public boolean finite() {
        return Double.isFinite(plus) && Double.isFinite(minus);
    }
}
