package io.seedflow.operators.parallel;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.zo.StepLayout;
import io.seedflow.operators.internal.SnapshotPointer;
import io.seedflow.operators.internal.TrainerStateCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;

/**
 * The data-parallel trainer's operator state (docs/scale-out.md §4), all union list state: each subtask's untrained
 * examples (the share of the step in flight, then the buffer, in arrival order) tagged with the subtask, re-routed by
 * batch position on a rescale; the snapshot pointer and the log tail, written by subtask 0 only (every subtask holds
 * the same model, so one copy serves all, at any parallelism); and each subtask's model version, checked equal on
 * restore. Never the weights.
 */
final class DataParallelState {
    private final String modelId;
    private final ListState<Tuple2<Integer, TrainingExample>> untrained;
    private final ListState<byte[]> pointer;
    private final ListState<byte[]> tail;
    private final ListState<Long> version;

    DataParallelState(OperatorStateStore store, String modelId) throws Exception {
        this.modelId = modelId;
        TypeInformation<byte[]> bytes = PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        untrained = store.getUnionListState(new ListStateDescriptor<>("untrained-examples",
                Types.TUPLE(Types.INT, TypeInformation.of(TrainingExample.class))));
        pointer = store.getUnionListState(new ListStateDescriptor<>("snapshot-pointer", bytes));
        tail = store.getUnionListState(new ListStateDescriptor<>("log-tail", bytes));
        version = store.getUnionListState(new ListStateDescriptor<>("model-version", Types.LONG));
    }

    /**
     * This subtask's untrained examples from the union of every old subtask's (docs/scale-out.md §5). At the same
     * parallelism: its own, in their order. After a rescale: those whose batch position (numbered by the
     * {@link BatchPositionAssigner}, routed by it by {@link BatchPositionPartitioner}) falls into this subtask's share
     * (its data group's), each once, in position order. Every old subtask held the same version v, so without steps
     * cut short by max-wait the union is the examples at positions [vB, X) that had reached the trainer before the
     * barrier: re-routed, each new subtask holds exactly what the partitioner would have sent it, and the steps after
     * the rescale are those of a run at the new parallelism from the start.
     */
    List<TrainingExample> untrainedOf(int subtask, int parallelism, StepLayout layout) throws Exception {
        int oldParallelism = 0;
        for (Long ignored : version.get()) {
            oldParallelism++; // one version entry per old subtask
        }
        List<TrainingExample> mine = new ArrayList<>();
        Set<Long> seen = new HashSet<>(); // with probe groups a data group's subtasks hold copies
        for (Tuple2<Integer, TrainingExample> entry : untrained.get()) {
            TrainingExample e = entry.f1;
            boolean keep = oldParallelism == parallelism ? entry.f0 == subtask
                    : layout.dataGroupOfPosition(e.position) == layout.dataGroupOf(subtask) && seen.add(e.position);
            if (keep) {
                mine.add(e);
            }
        }
        if (oldParallelism != parallelism) {
            mine.sort(Comparator.comparingLong(e -> e.position));
        }
        return mine;
    }

    /** Subtask 0's snapshot pointer, empty on a fresh start; more than one is an error. */
    Optional<SnapshotPointer> pointer() throws Exception {
        List<byte[]> pointers = new ArrayList<>();
        pointer.get().forEach(pointers::add);
        if (pointers.size() > 1) {
            throw new IllegalStateException("data-parallel trainer state of model '" + modelId + "' holds "
                    + pointers.size() + " snapshot pointers; subtask 0 writes exactly one");
        }
        return pointers.stream().findFirst().map(TrainerStateCodec::decodePointer);
    }

    /** Subtask 0's log tail, as stored. */
    List<byte[]> tail() throws Exception {
        List<byte[]> records = new ArrayList<>();
        tail.get().forEach(records::add);
        return records;
    }

    /**
     * Checks that every old subtask checkpointed {@code restoredVersion}, the version the pointer's snapshot and the
     * tail give.
     */
    void requireVersion(long restoredVersion, SnapshotPointer restored) throws Exception {
        TreeSet<Long> versions = new TreeSet<>();
        version.get().forEach(versions::add);
        if (versions.size() != 1 || versions.first() != restoredVersion) {
            throw new IllegalStateException("data-parallel trainer state of model '" + modelId + "' is inconsistent: "
                    + "the subtasks checkpointed model versions " + versions + " but snapshot step "
                    + restored.step() + " + the log tail give version " + restoredVersion);
        }
    }

    /**
     * A checkpoint of subtask {@code subtask}: its untrained examples and version; from subtask 0 ({@code keeper} not
     * null) also the pointer and the tail.
     */
    void save(int subtask, List<TrainingExample> untrainedExamples, long modelVersion, SnapshotKeeper keeper)
            throws Exception {
        List<Tuple2<Integer, TrainingExample>> tagged = new ArrayList<>(untrainedExamples.size());
        untrainedExamples.forEach(e -> tagged.add(Tuple2.of(subtask, e)));
        untrained.update(tagged);
        version.update(List.of(modelVersion));
        if (keeper != null) {
            pointer.update(List.of(TrainerStateCodec.encodePointer(keeper.pointer())));
            tail.update(keeper.logTail());
        } else {
            pointer.clear();
            tail.clear();
        }
    }
}
