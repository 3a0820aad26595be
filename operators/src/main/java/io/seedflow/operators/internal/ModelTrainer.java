package io.seedflow.operators.internal;

import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import java.nio.file.Path;
import java.util.List;

/**
 * The in-memory side of one model's trainer: the weights (never in Flink state), the backend and core's
 * {@link ZoSgdTrainer}. Built either fresh from a base snapshot it writes, or by loading the snapshot a
 * {@link SnapshotPointer} names (SHA-256 verified) and replaying the log tail through core's {@link Replica} (the
 * same update procedure the trainer used, with the same gap and order checks), so the weights are bit-identical to those before the failure.
 */
public final class ModelTrainer implements AutoCloseable {
    private final String modelId;
    private final MlpSpec spec;
    private final ZoOptions options;
    private final SnapshotStore store;
    private final CpuBackend backend;
    private final ParameterSet params;
    private ZoSgdTrainer trainer;
    private SnapshotPointer pointer;

    private ModelTrainer(String modelId, MlpSpec spec, ZoOptions options, SnapshotStore store, ParameterSet params,
            SnapshotPointer pointer, long version) {
        this.modelId = modelId;
        this.spec = spec;
        this.options = options;
        this.store = store;
        this.backend = new CpuBackend(spec);
        this.params = params;
        this.pointer = pointer;
        this.trainer = new ZoSgdTrainer(backend, params, options, modelId, pointer.snapshotId(), version);
    }

    /** Fresh weights from {@code initSeed}, written as the base snapshot (step 0). */
    public static ModelTrainer createBase(String modelId, MlpSpec spec, ZoOptions options, SnapshotStore store,
            long initSeed) {
        ParameterSet params = new Mlp(spec).initialize(initSeed);
        SnapshotStore.Ref ref = store.write(params, modelId, 0, spec.toText());
        return new ModelTrainer(modelId, spec, options, store, params, pointer(ref), 0);
    }

    /** Loads the snapshot {@code pointer} names, verifies it, and replays {@code tail} (steps pointer.step+1, ...). */
    public static ModelTrainer restore(String modelId, MlpSpec spec, ZoOptions options, SnapshotStore store,
            SnapshotPointer pointer, List<UpdateRecord> tail) {
        Snapshot snapshot = SnapshotStore.read(Path.of(pointer.path()), pointer.snapshotId());
        if (snapshot.step() != pointer.step() || !modelId.equals(snapshot.modelId())) {
            throw new SnapshotIntegrityException("snapshot " + pointer.path() + " holds model '" + snapshot.modelId()
                    + "' step " + snapshot.step() + " but the trainer state expects model '" + modelId + "' step "
                    + pointer.step());
        }
        ParameterSet params = snapshot.parameters();
        if (!params.specs().equals(spec.tensorSpecs())) {
            throw new TensorShapeMismatchException("snapshot " + pointer.path() + ": model " + spec.toText()
                    + " expects tensors " + spec.tensorSpecs() + " but the snapshot holds " + params.specs());
        }
        Replica replica = new Replica(modelId, params, pointer.step());
        tail.forEach(replica::apply);
        return new ModelTrainer(modelId, spec, options, store, params, pointer, replica.version());
    }

    /** One ZO step (one call into core); the weights are updated when this returns. */
    public UpdateRecord step(Batch batch, List<Lineage> lineage) {
        return trainer.step(batch, lineage);
    }

    /** Writes the current weights as a snapshot; later records name it as their base. */
    public SnapshotPointer snapshot() {
        SnapshotStore.Ref ref = store.write(params, modelId, trainer.version(), spec.toText());
        trainer = new ZoSgdTrainer(backend, params, options, modelId, ref.sha256(), trainer.version());
        pointer = pointer(ref);
        return pointer;
    }

    /** The snapshot that the records this trainer emits name as their base. */
    public SnapshotPointer snapshotPointer() {
        return pointer;
    }

    private static SnapshotPointer pointer(SnapshotStore.Ref ref) {
        return new SnapshotPointer(ref.sha256(), ref.path().toAbsolutePath().toString(), ref.step());
    }

    public long version() {
        return trainer.version();
    }

    public String weightsSha256() {
        return params.weightsSha256();
    }

    @Override
    public void close() {
        backend.close();
    }
}
