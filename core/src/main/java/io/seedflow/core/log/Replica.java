package io.seedflow.core.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.UpdateLogGapException;
import io.seedflow.core.error.UpdateOrderException;
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
        UpdateApplier.apply(params, r);
        version = r.step();
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
