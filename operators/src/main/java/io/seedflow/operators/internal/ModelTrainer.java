package io.seedflow.operators.internal;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import java.util.ArrayList;
import java.util.List;

/**
 * The in-memory side of one model's trainer: the weights (never in Flink state), the backend and core's
 * {@link ZoSgdTrainer}. Built either fresh (its base snapshot to be stored by the caller), or by loading the
 * snapshot a {@link SnapshotPointer} names (SHA-256 verified) and replaying the log tail through core's
 * {@link Replica} (the same update procedure the trainer used, with the same gap and order checks), so the weights
 * are bit-identical to those before the failure.
 *
 * <p>Snapshots are taken at deterministic points (after every step that is a multiple of the snapshot interval) and
 * their ids are content hashes, so a restore re-takes, and checks, every snapshot the replayed tail went past: a
 * tail record naming a new base must name exactly the SHA-256 of the weights re-encoded at the step before it.
 */
public final class ModelTrainer implements AutoCloseable {
    private final String modelId;
    private final MlpSpec spec;
    private final ZoOptions options;
    private final Mlp mlp;
    private final ComputeBackend backend;
    private final ParameterSet params;
    private ZoSgdTrainer trainer;

    /** A trainer and the snapshots the caller must store for it (the base, or those re-taken during a restore). */
    public record Started(ModelTrainer trainer, List<PendingSnapshot> snapshotsToStore) {
    }

    /** Creates the compute backend of a model (CPU or GPU, see core's ComputeBackends). */
    @FunctionalInterface
    public interface Backends {
        ComputeBackend create(MlpSpec spec);
    }

    private ModelTrainer(String modelId, MlpSpec spec, ZoOptions options, ParameterSet params, String baseId,
            long version, Backends backends) {
        this.modelId = modelId;
        this.spec = spec;
        this.options = options;
        this.mlp = new Mlp(spec);
        this.backend = backends.create(spec);
        this.params = params;
        this.trainer = new ZoSgdTrainer(backend, params, options, modelId, baseId, version);
    }

    /** Fresh weights from {@code initSeed}; the one snapshot to store is the base (step 0), before any step. */
    public static Started createBase(String modelId, MlpSpec spec, ZoOptions options, long initSeed, Backends backends) {
        ParameterSet params = new Mlp(spec).initialize(initSeed);
        PendingSnapshot base = PendingSnapshot.of(modelId, 0, spec.toText(), params);
        return new Started(new ModelTrainer(modelId, spec, options, params, base.sha256(), 0, backends),
                List.of(base));
    }

    /**
     * Loads the snapshot {@code pointer} names, verifies it, and replays the records of {@code tail} after the
     * pointer's step (steps pointer.step+1, ...); the records up to it are the trainer's history
     * ({@link ZoSgdTrainer#resume}). Returns the snapshots taken after the pointer's step, re-taken here; storing
     * them again is harmless.
     */
    public static Started restore(String modelId, MlpSpec spec, ZoOptions options, SnapshotPointer pointer,
            List<UpdateRecord> tail, int snapshotInterval, Backends backends) {
        Snapshot snapshot = FileSystemSnapshotStore.read(pointer.uri(), pointer.snapshotId());
        if (snapshot.step() != pointer.step() || !modelId.equals(snapshot.modelId())) {
            throw new SnapshotIntegrityException("snapshot " + pointer.uri() + " holds model '" + snapshot.modelId()
                    + "' step " + snapshot.step() + " but the trainer state expects model '" + modelId + "' step "
                    + pointer.step());
        }
        ParameterSet params = snapshot.parameters();
        if (!params.specs().equals(spec.tensorSpecs())) {
            throw new TensorShapeMismatchException("snapshot " + pointer.uri() + ": model " + spec.toText()
                    + " expects tensors " + spec.tensorSpecs() + " but the snapshot holds " + params.specs());
        }
        Replica replica = new Replica(modelId, params, pointer.step());
        String base = pointer.snapshotId();
        List<PendingSnapshot> retaken = new ArrayList<>();
        for (UpdateRecord r : tail) {
            if (r.step() <= pointer.step()) {
                continue; // history only: already in the snapshot's weights
            }
            if (!r.baseSnapshotId().equals(base)) {
                PendingSnapshot s = PendingSnapshot.of(modelId, replica.version(), spec.toText(), params);
                if (!s.sha256().equals(r.baseSnapshotId())) {
                    throw new SnapshotIntegrityException("log tail record step " + r.step() + " names base snapshot "
                            + r.baseSnapshotId() + " but the weights replayed to step " + replica.version()
                            + " encode to " + s.sha256() + "; the state does not belong to these weights");
                }
                retaken.add(s);
                base = s.sha256();
            }
            replica.apply(r);
        }
        long version = replica.version();
        boolean snapshotDue = version > pointer.step() && version % snapshotInterval == 0
                && (retaken.isEmpty() || retaken.get(retaken.size() - 1).step() != version);
        if (snapshotDue) {
            PendingSnapshot s = PendingSnapshot.of(modelId, version, spec.toText(), params);
            retaken.add(s);
            base = s.sha256();
        }
        ModelTrainer trainer = new ModelTrainer(modelId, spec, options, params, base, version, backends);
        trainer.trainer.resume(tail);
        return new Started(trainer, retaken);
    }

    /** One ZO step (one call into core); the weights are updated when this returns. */
    public UpdateRecord step(Batch batch, List<Lineage> lineage) {
        return trainer.step(batch, lineage);
    }

    /** Takes a snapshot of the current weights; the records from now on name it as their base. */
    public PendingSnapshot takeSnapshot() {
        PendingSnapshot s = PendingSnapshot.of(modelId, trainer.version(), spec.toText(), params);
        trainer.rebase(s.sha256());
        return s;
    }

    /** Accuracy and loss of the current (unperturbed) weights on {@code count} examples. */
    public Evaluation evaluate(float[] features, int[] labels, int count) {
        return mlp.evaluate(params, features, labels, count, 256);
    }

    public long version() {
        return trainer.version();
    }

    /** How many records before a snapshot the log tail must keep for an exact restore. */
    public int historySteps() {
        return trainer.historySteps();
    }

    /** Name of the backend the steps run on ("cpu", "gpu:NVIDIA H100 ..."). */
    public String backendName() {
        return backend.name();
    }

    public String weightsSha256() {
        return params.weightsSha256();
    }

    @Override
    public void close() {
        backend.close();
    }
}
