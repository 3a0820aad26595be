package io.seedflow.core.snapshot;

import io.seedflow.core.tensor.ParameterSet;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Weights taken as a safetensors snapshot: a copy of the weights at one step and the id of the file they encode to
 * (deterministic bytes, so the id is known before anything is stored and the records after it can name it as their
 * base at once). The file is written as a stream ({@link #writeTo}), never held in memory whole, so a snapshot has no
 * size limit; where it is stored is the caller's business: a local directory ({@link SnapshotStore}), a Flink
 * FileSystem path, object storage. Immutable: the trainer goes on changing its own weights while a copy is stored.
 */
public final class EncodedSnapshot {
    private final String modelId;
    private final long step;
    private final String modelSpec;
    private final ParameterSet weights;
    private final String sha256;
    private final long sizeBytes;
    /** Computed on first use (a frozen base's file never needs it); the same value whichever thread computes it. */
    private volatile String weightsSha256;

    private EncodedSnapshot(String modelId, long step, String modelSpec, ParameterSet weights, String sha256,
            long sizeBytes) {
        this.modelId = modelId;
        this.step = step;
        this.modelSpec = modelSpec;
        this.weights = weights;
        this.sha256 = sha256;
        this.sizeBytes = sizeBytes;
    }

    /** Takes {@code params} (copied) as the snapshot of {@code modelId} at {@code step}; hashes the file it encodes to. */
    public static EncodedSnapshot of(String modelId, long step, String modelSpec, ParameterSet params) {
        return ofImmutable(modelId, step, modelSpec, params.copy());
    }

    /** {@link #of} for weights nobody writes any more (a frozen base): not copied. */
    static EncodedSnapshot ofImmutable(String modelId, long step, String modelSpec, ParameterSet copy) {
        MessageDigest digest = SafetensorsFormat.sha256Digest();
        CountingSink counted = new CountingSink();
        try (DigestOutputStream out = new DigestOutputStream(counted, digest)) {
            SafetensorsFormat.write(out, copy, modelId, step, modelSpec);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the sink does not fail
        }
        return new EncodedSnapshot(modelId, step, modelSpec, copy, HexFormat.of().formatHex(digest.digest()),
                counted.bytes);
    }

    /** Writes the snapshot's file to {@code out} (the bytes whose SHA-256 is {@link #sha256()}); leaves it open. */
    public void writeTo(OutputStream out) throws IOException {
        SafetensorsFormat.write(out, weights, modelId, step, modelSpec);
    }

    /** The file in one array: for tests and small models (at most 2 GiB); stores stream it ({@link #writeTo}). */
    public byte[] bytes() {
        return SafetensorsFormat.encode(weights, modelId, step, modelSpec);
    }

    public String modelId() {
        return modelId;
    }

    public long step() {
        return step;
    }

    /**
     * The frozen base the weights decorate (stored beside the snapshot, before it, by every
     * {@link SnapshotRepository}); null for a model without one.
     */
    public io.seedflow.core.tensor.FrozenBase frozenBase() {
        return weights.base();
    }

    /** The file's SHA-256: the snapshot's id. */
    public String sha256() {
        return sha256;
    }

    /** The file's length. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** SHA-256 of the weights alone (update-log spec §1). */
    public String weightsSha256() {
        String sha = weightsSha256;
        if (sha == null) {
            sha = weights.weightsSha256();
            weightsSha256 = sha;
        }
        return sha;
    }

    /** Counts what is written and keeps nothing. */
    private static final class CountingSink extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
