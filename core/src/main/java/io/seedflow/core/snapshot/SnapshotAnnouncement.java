package io.seedflow.core.snapshot;

import io.seedflow.core.error.SnapshotIntegrityException;
import java.util.Arrays;
import java.util.Objects;

/**
 * "A full-weights snapshot of model {@link #modelId} at version {@link #step} is stored at {@link #uri}": what the
 * trainer publishes on the updates topic once a snapshot's upload has completed, so that replicas can bootstrap from
 * it and then apply the records with a step greater than {@link #step}. A Flink POJO (public fields, no-arg
 * constructor), mirrored one to one by the Avro {@code SnapshotAnnouncement}.
 */
public class SnapshotAnnouncement {
    public String modelId;
    /** The model version the snapshot holds. */
    public long step;
    /** Where the safetensors file is: a Flink FileSystem URI such as {@code file:///...} or {@code s3://...}. */
    public String uri;
    /** SHA-256 (hex) of the file's bytes: the snapshot id. */
    public String sha256;
    public long sizeBytes;
    /** SHA-256 (hex) of the weights alone, in canonical order (see the spec). */
    public String weightsSha256;
    public long createdMillis;
    /**
     * The log's chain link at {@link #step} (docs/update-log-spec.md §10), 32 bytes; null where the trainer does not
     * sign its log.
     */
    public byte[] chainHead;
    /** Ed25519 signature of the announcement's statement ({@code LogSignatures#snapshotStatement}); null if unsigned. */
    public byte[] signature;

    public SnapshotAnnouncement() {
    }

    public SnapshotAnnouncement(String modelId, long step, String uri, String sha256, long sizeBytes,
            String weightsSha256, long createdMillis) {
        this.modelId = modelId;
        this.step = step;
        this.uri = uri;
        this.sha256 = sha256;
        this.sizeBytes = sizeBytes;
        this.weightsSha256 = weightsSha256;
        this.createdMillis = createdMillis;
    }

    /**
     * {@code s} (fetched from {@link #uri}, its file hash verified) as announced: this model, step and weights hash.
     *
     * @throws SnapshotIntegrityException naming what it holds and what was announced
     */
    public Snapshot requireAnnounces(Snapshot s) {
        if (!modelId.equals(s.modelId()) || step != s.step() || !weightsSha256.equals(s.parameters().weightsSha256())) {
            throw new SnapshotIntegrityException("snapshot " + uri + " holds model '" + s.modelId() + "' step "
                    + s.step() + " weights " + s.parameters().weightsSha256() + " but was announced as model '"
                    + modelId + "' step " + step + " weights " + weightsSha256);
        }
        return s;
    }

    /** A copy of this announcement with the chain link at its step and the signature of both. */
    public SnapshotAnnouncement signed(byte[] chainHead, byte[] signature) {
        SnapshotAnnouncement a = new SnapshotAnnouncement(modelId, step, uri, sha256, sizeBytes, weightsSha256,
                createdMillis);
        a.chainHead = chainHead.clone();
        a.signature = signature.clone();
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotAnnouncement a && step == a.step && sizeBytes == a.sizeBytes
                && createdMillis == a.createdMillis && Objects.equals(modelId, a.modelId)
                && Objects.equals(uri, a.uri) && Objects.equals(sha256, a.sha256)
                && Objects.equals(weightsSha256, a.weightsSha256) && Arrays.equals(chainHead, a.chainHead)
                && Arrays.equals(signature, a.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, step, sha256);
    }

    @Override
    public String toString() {
        return "SnapshotAnnouncement{model=" + modelId + ", step=" + step + ", sha256=" + sha256 + ", uri=" + uri
                + ", " + sizeBytes + " bytes" + (signature != null ? ", signed" : "") + "}";
    }
}
