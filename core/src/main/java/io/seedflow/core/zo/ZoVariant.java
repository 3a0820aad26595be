package io.seedflow.core.zo;

/**
 * How a step turns the projected gradients into applied terms (ZO-Bench, Zhang et al. 2024). All keep the
 * seed+scalar log: the record carries every (seed, c_k) as applied, so replicas need nothing else.
 */
public enum ZoVariant {
    /** ZO-SGD (MeZO): c_k = float(lr_t * g_k / q). */
    SGD,
    /** ZO-SGD-Sign: c_k = float(lr_t * sign(g_k) / q); every step moves by lr along ±z regardless of |g|. */
    SIGN,
    /**
     * ZO-SGD with momentum: m_t = beta m_(t-1) + g_t z_t, theta -= lr_t m_t, unrolled over the last M steps: the
     * record of step t carries M terms (seed_u, float(lr_t beta^(t-u) g_u)), so a replica regenerates M directions
     * per step instead of one (replay cost x M, M x 22 bytes per record).
     */
    MOMENTUM,
    /**
     * ZO-SGD-Cons: of theta, theta - a z and theta + a z (a = lr_t g) keep the one with the lowest loss on the
     * batch; three more forward passes per step; the record carries the chosen term (or none).
     */
    CONSERVATIVE;

    /** The factor that multiplies lr_t / q for projected gradient {@code g} (SGD, MOMENTUM, CONSERVATIVE: g). */
    public double direction(double g) {
        return this == SIGN ? Math.signum(g) : g;
    }
}
