package io.seedflow.core.session;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.BatchPieces;
import io.seedflow.core.zo.ShardEvaluation;
import io.seedflow.core.zo.StepPlan;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import java.util.ArrayList;
import java.util.List;

/**
 * One model being trained, the one loop every surface shares (the streaming trainer operator, {@code train-offline},
 * the study, the benchmarks, the GPU checks): created fresh or restored from a snapshot and a log tail, stepped (whole,
 * or in the parts plan → evaluate per shard → complete), snapshotted, evaluated. Owns the weights, the compute backend
 * and core's {@link ZoSgdTrainer}; any {@link ModelSpec} family.
 *
 * <p>Lifecycle: {@link #fresh} or {@link #restore}, then steps and snapshots from one thread, {@link #close} at the
 * end (releases the backend).
 */
public final class TrainingSession implements AutoCloseable {
    private final String modelId;
    private final ModelSpec spec;
    private final Model model;
    private final ComputeBackend backend;
    private final ParameterSet params;
    private final ZoSgdTrainer trainer;

    /** A session and the snapshots its caller must store: the base of a fresh one, or those re-taken by a restore. */
    public record Started(TrainingSession session, List<EncodedSnapshot> snapshotsToStore) {
    }

    private TrainingSession(String modelId, ModelSpec spec, ZoOptions options, ParameterSet params, String baseId,
            long version, BackendFactory backends) {
        requireLayout(spec, params, "model " + spec.toText(), "the weights");
        this.modelId = modelId;
        this.spec = spec;
        this.model = spec.newModel();
        this.params = params;
        this.backend = backends.create(spec);
        this.trainer = new ZoSgdTrainer(backend, params, options, modelId, baseId, version);
    }

    /** Fresh weights from {@code initSeed} (pretrained where the family has them); the base snapshot is to store. */
    public static Started fresh(String modelId, ModelSpec spec, ZoOptions options, long initSeed,
            BackendFactory backends) {
        ParameterSet params = spec.newModel().initialize(initSeed);
        EncodedSnapshot base = EncodedSnapshot.of(modelId, 0, spec.toText(), params);
        return new Started(new TrainingSession(modelId, spec, options, params, base.sha256(), 0, backends),
                List.of(base));
    }

    /**
     * Trains {@code params} as they are (weights at {@code version}, named by {@code baseId} in the records): for
     * callers that made or loaded the weights themselves (the study, benchmarks, GPU checks). No history is resumed.
     */
    public static TrainingSession resume(String modelId, ModelSpec spec, ZoOptions options, ParameterSet params,
            String baseId, long version, BackendFactory backends) {
        return new TrainingSession(modelId, spec, options, params, baseId, version, backends);
    }

    /**
     * Continues from weights at {@code version} whose snapshot id is {@code snapshotId}, replaying the records of
     * {@code tail} after that version through {@link Replica} (the replicas' procedure, with its gap and order
     * checks); the records up to it are the trainer's history ({@link ZoSgdTrainer#resume}). Snapshots are taken at
     * deterministic points with content ids, so every base a tail record names is re-taken here and checked: it must
     * be exactly the SHA-256 of the weights re-encoded at the step before it. A snapshot due at the final version
     * (a multiple of {@code snapshotInterval}, 0 = none) is re-taken too. Returns the re-taken snapshots to store
     * again (harmless: same id, same bytes).
     */
    public static Started restore(String modelId, ModelSpec spec, ZoOptions options, ParameterSet params,
            String snapshotId, long version, List<UpdateRecord> tail, int snapshotInterval, BackendFactory backends) {
        requireLayout(spec, params, "snapshot " + snapshotId + ": model " + spec.toText(), "the snapshot"); // before replay
        Replica replica = new Replica(modelId, params, version);
        String base = snapshotId;
        List<EncodedSnapshot> retaken = new ArrayList<>();
        for (UpdateRecord r : tail) {
            if (r.step() <= version) {
                continue; // history only: already in the snapshot's weights
            }
            if (!r.baseSnapshotId().equals(base)) {
                EncodedSnapshot s = EncodedSnapshot.of(modelId, replica.version(), spec.toText(), params);
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
        long at = replica.version();
        boolean snapshotDue = snapshotInterval > 0 && at > version && at % snapshotInterval == 0
                && (retaken.isEmpty() || retaken.get(retaken.size() - 1).step() != at);
        if (snapshotDue) {
            EncodedSnapshot s = EncodedSnapshot.of(modelId, at, spec.toText(), params);
            retaken.add(s);
            base = s.sha256();
        }
        TrainingSession session = new TrainingSession(modelId, spec, options, params, base, at, backends);
        session.trainer.resume(tail);
        return new Started(session, retaken);
    }

    /** One whole ZO step on {@code batch}; the weights are updated when this returns. */
    public UpdateRecord step(Batch batch, List<Lineage> lineage) {
        checkInput(batch);
        return trainer.step(batch, lineage);
    }

    /**
     * One whole ZO step on {@code batch} evaluated in the pieces of {@code pieces} (parallelism 1), their sums combined
     * in piece order: the records a data-parallel trainer with the same pieces writes at any parallelism.
     */
    public UpdateRecord step(Batch batch, List<Lineage> lineage, BatchPieces pieces) {
        if (pieces.parallelism() != 1) {
            throw new IllegalArgumentException("one session steps a whole batch: pieces for parallelism 1, got "
                    + pieces);
        }
        checkInput(batch);
        StepPlan plan = trainer.plan();
        List<ShardEvaluation> shards = new ArrayList<>(pieces.pieces());
        for (Batch piece : pieces.cut(0, batch)) {
            shards.add(trainer.evaluate(plan, piece));
        }
        return trainer.complete(plan, shards, lineage, batch);
    }

    /** Step part 1 (see {@link ZoSgdTrainer#plan}). */
    public StepPlan plan() {
        return trainer.plan();
    }

    /** Step part 2 on one shard of the mini-batch (see {@link ZoSgdTrainer#evaluate}). */
    public ShardEvaluation evaluate(StepPlan plan, Batch shard) {
        checkInput(shard);
        return trainer.evaluate(plan, shard);
    }

    /**
     * Step part 2 on one shard for probes [{@code probeFrom}, {@code probeTo}) only: one probe group of a
     * perturbation-parallel step ({@link io.seedflow.core.zo.StepLayout}; see {@link ZoSgdTrainer#evaluate(StepPlan,
     * Batch, int, int)}).
     */
    public ShardEvaluation evaluate(StepPlan plan, Batch shard, int probeFrom, int probeTo) {
        checkInput(shard);
        return trainer.evaluate(plan, shard, probeFrom, probeTo);
    }

    /**
     * Step parts 3-5: combine the shards in order, record, apply (see {@link ZoSgdTrainer#complete}). Each shard holds
     * all probes of its piece: join a perturbation-parallel step's probe groups first
     * ({@link io.seedflow.core.zo.StepLayout#piecesInOrder}).
     */
    public UpdateRecord complete(StepPlan plan, List<ShardEvaluation> shards, List<Lineage> lineage, Batch localBatch) {
        return trainer.complete(plan, shards, lineage, localBatch);
    }

    /** Encodes the current weights as a snapshot; the records from now on name it as their base. */
    public EncodedSnapshot takeSnapshot() {
        EncodedSnapshot s = EncodedSnapshot.of(modelId, trainer.version(), spec.toText(), params);
        trainer.rebase(s.sha256());
        return s;
    }

    /** Accuracy and mean loss of the current (unperturbed) weights on the first {@code count} examples of {@code data}. */
    public Evaluation evaluate(LabeledDataset data, int count, int chunk) {
        return model.evaluate(params, data, Math.min(count, data.count()), chunk);
    }

    /** Softmax probabilities of the current weights for every example of {@code batch}. */
    public float[][] probabilities(Batch batch) {
        checkInput(batch);
        return model.probabilities(params, batch);
    }

    /** The most probable class of every example of {@code batch} under the current weights (the first on ties). */
    public int[] predict(Batch batch) {
        checkInput(batch);
        return model.predict(params, batch);
    }

    /**
     * {@link #predict}, when a step on {@code batch} follows at once (test-then-train): the backend may keep what the
     * step can reuse ({@link Model#predictBeforeStep}). Same predictions, bit for bit.
     */
    public int[] predictBeforeStep(Batch batch) {
        checkInput(batch);
        int[] kept = backend.predictBeforeStep(params, batch, trainer.firstTrainedTensor());
        return kept != null ? kept : model.predict(params, batch);
    }

    private static void requireLayout(ModelSpec spec, ParameterSet params, String what, String holder) {
        if (!params.specs().equals(spec.tensorSpecs())) {
            throw new TensorShapeMismatchException(what + " expects tensors " + spec.tensorSpecs() + " but " + holder
                    + " holds " + params.specs());
        }
    }

    private void checkInput(Batch batch) {
        if (batch.inputKind() != spec.inputKind()) {
            throw new TensorShapeMismatchException("model " + spec.toText() + " takes " + spec.inputKind()
                    + " examples, got a batch of " + batch.inputKind());
        }
    }

    public String modelId() {
        return modelId;
    }

    public ModelSpec spec() {
        return spec;
    }

    public long version() {
        return trainer.version();
    }

    public long skippedSteps() {
        return trainer.skippedSteps();
    }

    /** How many records before a snapshot the log tail must keep for an exact restore. */
    public int historySteps() {
        return trainer.historySteps();
    }

    /** Directions removed from each estimate in the current subspace window (0 when off). */
    public int subspaceRemovedDirections() {
        return trainer.subspaceRemovedDirections();
    }

    /** The live weights; read them only between steps. */
    public ParameterSet parameters() {
        return params;
    }

    public ZoOptions options() {
        return trainer.options();
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
