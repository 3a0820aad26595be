package io.seedflow.core.zo;

/**
 * How a step turns the projected gradient g_k into the applied coefficient c_k (ZO-Bench, Zhang et al. 2024). Both
 * keep the seed+scalar log: the record carries c_k as applied, so replicas need nothing else.
 */
public enum ZoVariant {
    /** ZO-SGD (MeZO): c_k = float(lr_t * g_k / q). */
    SGD,
    /** ZO-SGD-Sign: c_k = float(lr_t * sign(g_k) / q); every step moves by lr along ±z regardless of |g|. */
    SIGN;

    /** The factor that multiplies lr_t / q for projected gradient {@code g}. */
    public double direction(double g) {
        return this == SIGN ? Math.signum(g) : g;
    }
}
