package io.seedflow.core.log;

/** Events [fromOffset, untilOffset) of one source partition that a step trained on. */
public record Lineage(String source, int partition, long fromOffset, long untilOffset) {
    public Lineage {
        if (untilOffset < fromOffset) {
            throw new IllegalArgumentException("lineage range must have untilOffset >= fromOffset, got ["
                    + fromOffset + ", " + untilOffset + ")");
        }
    }

    public long count() {
        return untilOffset - fromOffset;
    }
}
