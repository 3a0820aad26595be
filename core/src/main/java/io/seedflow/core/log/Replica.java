package io.seedflow.core.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.UpdateLogGapException;
import io.seedflow.core.error.UpdateOrderException;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.tensor.ParameterSet;

/**
 * Weights that follow an update log: starts from a snapshot at some version and applies records strictly in step
 * order. A gap throws {@link UpdateLogGapException} (re-bootstrap), a duplicate or reordering throws
 * {@link UpdateOrderException}; in both cases nothing is applied.
 */
public final class Replica {
    private final String modelId;
    private final ParameterSet params;
    private long version;

    /** @param version the step the weights are at (0 for the initial snapshot) */
    public Replica(String modelId, ParameterSet params, long version) {
        this.modelId = modelId;
        this.params = params;
        this.version = version;
    }

    public void apply(UpdateRecord r) {
        requireNext(r);
        UpdateApplier.apply(params, r);
        version = r.step();
    }

    /**
     * The replica after rollback {@code r} (the next step): the weights of {@code holding}, the snapshot the rollback
     * names, which this call checks is that snapshot (file hash, step) and holds the weights the rollback names.
     *
     * @throws SnapshotIntegrityException if {@code holding} is not the rollback's snapshot or not its weights
     */
    public Replica rolledBack(ModelRollback r, Snapshot holding) {
        requireNext(r);
        if (!holding.sha256().equals(r.snapshotSha256()) || holding.step() != r.step()
                || !modelId.equals(holding.modelId())) {
            throw new SnapshotIntegrityException("the rollback of model '" + modelId + "' at step " + r.step()
                    + " names snapshot " + r.snapshotSha256() + " but got snapshot " + holding.sha256() + " of model '"
                    + holding.modelId() + "' step " + holding.step());
        }
        if (!holding.parameters().weightsSha256().equals(r.weightsSha256())) {
            throw new SnapshotIntegrityException("the rollback of model '" + modelId + "' at step " + r.step()
                    + " names the weights " + r.weightsSha256() + " of version " + r.toVersion() + " but its snapshot "
                    + r.snapshotSha256() + " holds weights " + holding.parameters().weightsSha256());
        }
        params.requireSameLayout(holding.parameters(), "the rollback snapshot " + r.snapshotSha256());
        String base = params.base() == null ? null : params.base().sha256();
        String holdingBase = holding.parameters().base() == null ? null : holding.parameters().base().sha256();
        if (!java.util.Objects.equals(base, holdingBase)) {
            throw new SnapshotIntegrityException("the rollback of model '" + modelId + "' at step " + r.step()
                    + " names snapshot " + r.snapshotSha256() + " of frozen base " + holdingBase
                    + ", but the replica's model decorates frozen base " + base);
        }
        return new Replica(modelId, holding.parameters(), r.step());
    }

    private void requireNext(LogStep r) {
        if (!modelId.equals(r.modelId())) {
            throw new InvalidUpdateRecordException("record for step " + r.step() + " is for model '" + r.modelId()
                    + "' but this replica follows model '" + modelId + "'");
        }
        long expected = version + 1;
        if (r.step() > expected) {
            throw new UpdateLogGapException(modelId, expected, r.step());
        }
        if (r.step() < expected) {
            throw new UpdateOrderException(modelId, expected, r.step());
        }
    }

    public long version() {
        return version;
    }

    public String modelId() {
        return modelId;
    }

    /** The live weights; read them only between calls to {@link #apply}. */
    public ParameterSet parameters() {
        return params;
    }
}
