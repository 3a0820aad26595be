package io.seedflow.connectors.log;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.LogContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes the records of one log (a log file, or what one sink writer puts on the updates topic) in format 4 and decides
 * which record carries its context inline (docs/update-log-spec.md §4.1): a record defines a new context, inline, when
 * it is the first record of its model this encoder writes, or its base snapshot differs from the current context's, or
 * one of its lineage sources is not in the current context. So the first record after every snapshot (the one a
 * replica bootstrapped from that snapshot needs first) always carries its context. Not thread-safe; one per writer.
 */
public final class CompactUpdateEncoder {
    private final Map<String, LogContext> current = new HashMap<>();

    public CompactModelUpdate encode(UpdateRecord r) {
        LogContext context = current.get(r.modelId());
        boolean inline = context == null || !context.getBaseSnapshotId().equals(r.baseSnapshotId())
                || !coversSources(context, r);
        if (inline) {
            context = UpdateRecordCodec.contextOf(r);
            current.put(r.modelId(), context);
        }
        return UpdateRecordCodec.toCompact(r, context, inline);
    }

    private static boolean coversSources(LogContext context, UpdateRecord r) {
        for (Lineage l : r.lineage()) {
            if (!context.getSources().contains(l.source())) {
                return false;
            }
        }
        return true;
    }
}
