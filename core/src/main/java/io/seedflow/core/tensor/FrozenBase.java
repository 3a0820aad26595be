package io.seedflow.core.tensor;

/**
 * Immutable weights that a model's trainable tensors decorate (the pretrained body under LoRA adapters), identified by
 * the SHA-256 of their snapshot file (update-log spec §2.1): never perturbed, never in an update, stored once beside
 * the snapshots that name it and loaded once per process. Its tensors must not be written.
 */
public record FrozenBase(ParameterSet tensors, String sha256) {
    public FrozenBase {
        if (tensors.base() != null) {
            throw new IllegalArgumentException("a frozen base cannot have a base of its own");
        }
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("frozen base id must be 64 lower-case hex digits, got " + sha256);
        }
    }

    @Override
    public String toString() {
        return "frozen base " + sha256 + " (" + tensors.size() + " tensors, " + tensors.parameterCount()
                + " parameters)";
    }
}
