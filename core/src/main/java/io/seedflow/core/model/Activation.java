package io.seedflow.core.model;

/** Hidden-layer nonlinearity of the MLP. The output layer is always linear (logits). */
public enum Activation {
    RELU {
        @Override
        public float apply(float x) {
            return x > 0f ? x : 0f;
        }

        @Override
        public float derivative(float preActivation) {
            return preActivation > 0f ? 1f : 0f;
        }
    },
    /** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    GELU {
        @Override
        public float apply(float x) {
            double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
            return (float) (0.5 * x * (1.0 + Math.tanh(u)));
        }

        @Override
        public float derivative(float preActivation) {
            double x = preActivation;
            double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
            double t = Math.tanh(u);
            double du = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x);
            return (float) (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du);
        }
    };

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    public abstract float apply(float x);

    public abstract float derivative(float preActivation);

    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(s)) {
                return a;
            }
        }
        throw new IllegalArgumentException("activation must be one of relu, gelu; got '" + s + "'");
    }
}
