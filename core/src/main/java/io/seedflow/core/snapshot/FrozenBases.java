package io.seedflow.core.snapshot;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.tensor.FrozenBase;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frozen bases as files (update-log spec §2.1): a base is stored as a snapshot of its own (model id
 * {@value #MODEL_ID}, step 0, no model spec) whose file SHA-256 is the base's id, in the same store as the snapshots
 * that name it in {@link SafetensorsFormat#KEY_FROZEN_BASE}, under the same naming ({@code <id>.safetensors}). A
 * process loads each base once: bases made or loaded here are kept by id (the few most recent).
 */
public final class FrozenBases {
    /** The model id written into a base's file. */
    public static final String MODEL_ID = "frozen-base";
    /** Bases kept in memory at once (each may be the 90 MB body of a pretrained encoder). */
    private static final int KEPT = 4;
    private static final Map<String, Kept> KEPT_BY_ID = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
            return size() > KEPT;
        }
    };

    /** A base this process keeps, and its file once encoded (a store asks for it with every snapshot it stores). */
    private static final class Kept {
        final FrozenBase base;
        EncodedSnapshot file;

        Kept(FrozenBase base, EncodedSnapshot file) {
            this.base = base;
            this.file = file;
        }
    }

    private FrozenBases() {
    }

    /**
     * The base made of {@code tensors}, which nobody may write any more; its id is the SHA-256 of its file, computed
     * once here. Kept, so that the snapshots naming it load without reading it back.
     */
    public static FrozenBase of(ParameterSet tensors) {
        EncodedSnapshot file = encoded(tensors);
        return keep(new FrozenBase(tensors, file.sha256()), file);
    }

    /** Drops the base {@code id} from the bases this process keeps: the next snapshot naming it reads it again. */
    public static void forget(String id) {
        synchronized (KEPT_BY_ID) {
            KEPT_BY_ID.remove(id);
        }
    }

    /** The base's file, to store: encoded (and hashed) once per kept base, not with every snapshot stored. */
    public static EncodedSnapshot encoded(FrozenBase base) {
        synchronized (KEPT_BY_ID) {
            Kept kept = KEPT_BY_ID.get(base.sha256());
            if (kept != null && kept.file != null) {
                return kept.file;
            }
        }
        EncodedSnapshot file = encoded(base.tensors());
        synchronized (KEPT_BY_ID) {
            Kept kept = KEPT_BY_ID.get(base.sha256());
            if (kept != null) {
                kept.file = file;
            }
        }
        return file;
    }

    private static EncodedSnapshot encoded(ParameterSet tensors) {
        return EncodedSnapshot.ofImmutable(MODEL_ID, 0, "", tensors);
    }

    /** {@code base} kept under its id (with its file, if known), or the base already kept there. */
    private static FrozenBase keep(FrozenBase base, EncodedSnapshot file) {
        synchronized (KEPT_BY_ID) {
            Kept kept = KEPT_BY_ID.putIfAbsent(base.sha256(), new Kept(base, file));
            return kept != null ? kept.base : base;
        }
    }

    /**
     * The URI of the base {@code baseSha256} beside the snapshot at {@code snapshotUri}: the last path segment
     * replaced by {@code <baseSha256>.safetensors}.
     */
    public static String uriBeside(String snapshotUri, String baseSha256) {
        int slash = Math.max(snapshotUri.lastIndexOf('/'), snapshotUri.lastIndexOf(java.io.File.separatorChar));
        return snapshotUri.substring(0, slash + 1) + baseSha256 + ".safetensors";
    }

    /**
     * {@code snapshot} (read from {@code snapshotUri}) with the frozen base its header names, loaded once through
     * {@code reader} from beside it and checked: its file's hash is the id the header names, and its tensors are, in
     * name, shape and order, the base the snapshot's model spec declares. A snapshot that names no base, of a model
     * without one, is returned as it is.
     *
     * @throws SnapshotIntegrityException naming the snapshot and the base when the base is missing, is not the one
     *     named, or is not the model's; when a model with a base names none, or one without a base names one
     */
    public static Snapshot attach(Snapshot snapshot, String snapshotUri, SnapshotReader reader) {
        String id = snapshot.metadata().get(SafetensorsFormat.KEY_FROZEN_BASE);
        List<TensorSpec> declared = declaredBase(snapshot);
        if (id == null) {
            if (!declared.isEmpty()) {
                throw new SnapshotIntegrityException("snapshot " + snapshot.sha256() + " of model spec "
                        + snapshot.modelSpec() + " names no frozen base (" + SafetensorsFormat.KEY_FROZEN_BASE
                        + "), but that model decorates one of " + declared.size() + " tensors");
            }
            return snapshot;
        }
        if (declared.isEmpty()) {
            throw new SnapshotIntegrityException("snapshot " + snapshot.sha256() + " names frozen base '"
                    + SafetensorsFormat.printable(id) + "', but its model spec '" + SafetensorsFormat.printable(snapshot.modelSpec())
                    + "' declares none");
        }
        if (!id.matches("[0-9a-f]{64}")) {
            throw new SnapshotIntegrityException("snapshot " + snapshot.sha256() + ": " + SafetensorsFormat.KEY_FROZEN_BASE
                    + " must be a SHA-256 (64 lower-case hex digits), got '" + SafetensorsFormat.printable(id) + "'");
        }
        FrozenBase base = load(id, uriBeside(snapshotUri, id), reader, snapshot.sha256());
        if (!base.tensors().specs().equals(declared)) {
            throw new SnapshotIntegrityException("frozen base " + id + " named by snapshot " + snapshot.sha256()
                    + " holds tensors " + base.tensors().specs() + ", not the base " + declared + " of "
                    + snapshot.modelSpec());
        }
        return new Snapshot(snapshot.parameters().withBase(base), snapshot.modelId(), snapshot.step(),
                snapshot.modelSpec(), snapshot.sha256(), snapshot.sizeBytes(), snapshot.metadata());
    }

    private static List<TensorSpec> declaredBase(Snapshot snapshot) {
        if (snapshot.modelSpec() == null || snapshot.modelSpec().isEmpty()) {
            return List.of();
        }
        try {
            ModelSpec spec = ModelSpecs.parse(snapshot.modelSpec());
            return spec.frozenBase();
        } catch (InvalidConfigurationException | IllegalArgumentException e) {
            return List.of(); // not a spec: requireTensorsOfModelSpec says so where it matters
        }
    }

    private static FrozenBase load(String id, String uri, SnapshotReader reader, String namedBy) {
        synchronized (KEPT_BY_ID) {
            Kept kept = KEPT_BY_ID.get(id);
            if (kept != null) {
                return kept.base;
            }
        }
        Snapshot file;
        try {
            file = reader.loadFile(uri, id);
        } catch (SnapshotIntegrityException e) {
            throw new SnapshotIntegrityException("frozen base " + id + " named by snapshot " + namedBy + " at " + uri
                    + ": " + e.getMessage(), e);
        }
        if (file.parameters().base() != null || file.metadata().containsKey(SafetensorsFormat.KEY_FROZEN_BASE)) {
            throw new SnapshotIntegrityException("frozen base " + id + " at " + uri + " names a base of its own");
        }
        return keep(new FrozenBase(file.parameters(), id), null);
    }
}
