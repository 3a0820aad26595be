package io.seedflow.core.error;

/**
 * A compact (format 4) update record names a log context that no earlier record of its log defined
 * (docs/update-log-spec.md §4.1): the record cannot be resolved to a model, a base snapshot or lineage sources.
 * Nothing was applied. A replica that needs the record (its step is above the replica's version) must stop or re-bootstrap;
 * one that does not (the step is already in its snapshot) may pass over it.
 */
public class UnknownLogContextException extends InvalidUpdateRecordException {
    private final long step;
    private final int contextId;

    public UnknownLogContextException(long step, int contextId) {
        super("compact update record of step " + step + " names log context " + hex(contextId)
                + ", which no earlier record of this log defined; read the log from the record after the snapshot "
                + "you bootstrapped from (it carries its context inline)");
        this.step = step;
        this.contextId = contextId;
    }

    public long step() {
        return step;
    }

    public int contextId() {
        return contextId;
    }

    /** A context id as the spec writes it: 8 lowercase hex digits. */
    public static String hex(int contextId) {
        return String.format("%08x", contextId);
    }
}
