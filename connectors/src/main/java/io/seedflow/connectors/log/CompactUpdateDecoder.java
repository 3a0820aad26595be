package io.seedflow.connectors.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.UnknownLogContextException;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.LogContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the format-4 records of one log in log order (docs/update-log-spec.md §4.1): remembers every context a record
 * carries inline (after checking that its id is the one the record names) and resolves each record in the context
 * its id names. A record whose context no earlier record defined is an {@link UnknownLogContextException}; the
 * decoder stays usable after it. Not thread-safe; one per log being read.
 */
public final class CompactUpdateDecoder {
    private final Map<Integer, LogContext> contexts = new HashMap<>();

    public UpdateRecord decode(CompactModelUpdate m) {
        int id = UpdateRecordCodec.contextId(m);
        LogContext inline = m.getExtension() == null ? null : m.getExtension().getContext();
        if (inline != null) {
            int computed = UpdateRecordCodec.contextId(inline);
            if (computed != id) {
                throw new InvalidUpdateRecordException("step " + m.getStep() + ": the record names log context "
                        + UnknownLogContextException.hex(id) + " but the context it carries has id "
                        + UnknownLogContextException.hex(computed) + " (SHA-256 of its Avro encoding)");
            }
            contexts.put(id, inline);
        }
        LogContext context = contexts.get(id);
        if (context == null) {
            throw new UnknownLogContextException(m.getStep(), id);
        }
        return UpdateRecordCodec.fromCompact(m, context);
    }

    /** How many contexts this decoder knows. */
    public int contextCount() {
        return contexts.size();
    }
}
