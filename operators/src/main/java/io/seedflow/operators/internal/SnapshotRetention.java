package io.seedflow.operators.internal;

import io.seedflow.operators.FileSystemSnapshotStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which stored snapshots of a model may be deleted. A snapshot is retired only if <em>all</em> of these hold:
 * <ol>
 *   <li>its step is below the snapshot pointer of the newest <em>completed</em> checkpoint ({@code floorStep}): a
 *       restore from that checkpoint reads the pointer's snapshot, and anything at or above it is either that
 *       snapshot or newer than what any checkpoint names;</li>
 *   <li>it is not one of the {@code keepNewest} newest snapshots of the model: replicas bootstrap from the newest
 *       announced snapshot and fall back to the next newest, and the update topic keeps every record after them;</li>
 *   <li>it was written at least {@code minAge} ago: older retained checkpoints, savepoints and replicas still
 *       downloading a snapshot name snapshots from the recent past.</li>
 * </ol>
 * {@code keepNewest} 0 turns retirement off. Pure: the caller lists and deletes.
 */
public record SnapshotRetention(int keepNewest, Duration minAge) {
    public static final SnapshotRetention OFF = new SnapshotRetention(0, Duration.ZERO);

    public SnapshotRetention {
        if (keepNewest < 0) {
            throw new IllegalArgumentException("keepNewest must be >= 0 (0 = keep all), got " + keepNewest);
        }
        if (minAge.isNegative()) {
            throw new IllegalArgumentException("minAge must be >= 0, got " + minAge);
        }
    }

    public boolean enabled() {
        return keepNewest > 0;
    }

    /**
     * The snapshots among {@code stored} (all of one model) that may be deleted, given the pointer step of the newest
     * completed checkpoint and the time now.
     */
    public List<FileSystemSnapshotStore.Stored> retire(List<FileSystemSnapshotStore.Stored> stored, long floorStep,
            long nowMillis) {
        if (!enabled()) {
            return List.of();
        }
        List<FileSystemSnapshotStore.Stored> byStep = new ArrayList<>(stored);
        byStep.sort(Comparator.comparingLong(FileSystemSnapshotStore.Stored::step).reversed());
        List<FileSystemSnapshotStore.Stored> out = new ArrayList<>();
        for (int i = keepNewest; i < byStep.size(); i++) {
            FileSystemSnapshotStore.Stored s = byStep.get(i);
            if (s.step() < floorStep && nowMillis - s.modifiedMillis() >= minAge.toMillis()) {
                out.add(s);
            }
        }
        return out;
    }
}
