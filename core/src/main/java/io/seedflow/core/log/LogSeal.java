package io.seedflow.core.log;

import java.util.Arrays;
import java.util.Objects;

/**
 * "The chain of {@link #modelId}'s log at {@link #step} is {@link #chainHead}", signed by the trainer
 * (docs/update-log-spec.md §10): written to the updates topic at every checkpoint that committed new steps of the
 * model, so a replica that holds the public key applies records only once a seal covers them. A Flink POJO.
 */
public class LogSeal {
    public String modelId;
    public long step;
    /** The chain link at {@link #step} (32 bytes). */
    public byte[] chainHead;
    /** Ed25519 signature (64 bytes) of {@link LogSignatures#sealStatement}. */
    public byte[] signature;

    public LogSeal() {
    }

    public LogSeal(String modelId, long step, byte[] chainHead, byte[] signature) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.step = step;
        this.chainHead = LogChain.requireLink(chainHead, "seal chain head").clone();
        this.signature = Objects.requireNonNull(signature, "signature").clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogSeal s && step == s.step && Objects.equals(modelId, s.modelId)
                && Arrays.equals(chainHead, s.chainHead) && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, step, Arrays.hashCode(chainHead));
    }

    @Override
    public String toString() {
        return "LogSeal{model=" + modelId + ", step=" + step + ", chain=" + LogChain.hex(chainHead) + "}";
    }
}
