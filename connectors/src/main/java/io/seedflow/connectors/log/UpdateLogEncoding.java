package io.seedflow.connectors.log;

/** How update records are written to a log file or the updates topic (docs/update-log-spec.md §4). */
public enum UpdateLogEncoding {
    /**
     * Format version 4 ({@code CompactModelUpdate}): context once per segment, no monitoring fields; about 35 bytes for
     * a dense one-term record. The default for new logs and topics.
     */
    COMPACT,
    /**
     * Format versions 1 to 3 ({@code ModelUpdate}), every field in every record; for replicas that predate version 4
     * and for tools that want the monitoring fields (losses, projected gradients) on the wire.
     */
    FULL
}
