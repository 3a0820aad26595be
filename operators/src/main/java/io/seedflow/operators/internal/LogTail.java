package io.seedflow.operators.internal;

import io.seedflow.core.log.UpdateRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer state's log tail (records as {@link TrainerStateCodec} entries): what a restore replays on top of the
 * snapshot pointer, and how it shrinks when a newer snapshot is completely stored. Shared by the keyed trainer
 * ({@code ZoTrainerFunction}) and the data-parallel one.
 */
public final class LogTail {
    private LogTail() {
    }

    /**
     * The entries a restore still needs once the snapshot of {@code snapshotStep} is stored: the records after it, and
     * the newest {@code historySteps} up to it (the trainer's history: mask thresholds, momentum, subspace window).
     */
    public static List<byte[]> keptAfterSnapshot(Iterable<byte[]> tail, long snapshotStep, int historySteps) {
        long keepAfter = snapshotStep - historySteps;
        List<byte[]> kept = new ArrayList<>();
        for (byte[] b : tail) {
            if (TrainerStateCodec.decodeRecord(b).step() > keepAfter) {
                kept.add(b);
            }
        }
        return kept;
    }

    public static List<UpdateRecord> decoded(Iterable<byte[]> tail) {
        List<UpdateRecord> records = new ArrayList<>();
        for (byte[] b : tail) {
            records.add(TrainerStateCodec.decodeRecord(b));
        }
        return records;
    }
}
