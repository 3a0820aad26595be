package io.seedflow.tests;

import io.seedflow.core.log.UpdateRecord;
import io.seedflow.operators.internal.TrainerStateCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * An exactly-once test sink in front of a discarding one: it keeps the records of each checkpoint in its state and
 * hands them on ({@link #COMMITTED}) only when that checkpoint completes, or on a restore from it (a recommit,
 * skipped for checkpoints already handed on). Notes the last step seen at each barrier (the trainer's version) and
 * at each restore, and the newest step it saw ({@link #SEEN}). Shared by the data-parallel
 * failover and rescale tests (which run one after the other: {@link #reset} first).
 */
final class CommittedRecords extends RichMapFunction<UpdateRecord, UpdateRecord>
        implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    static final List<UpdateRecord> COMMITTED = new CopyOnWriteArrayList<>();
    static final Map<Long, Long> VERSION_AT_CHECKPOINT = new ConcurrentHashMap<>();
    static final List<Long> RESTORED_STEPS = new CopyOnWriteArrayList<>();
    static final AtomicLong SEEN = new AtomicLong();
    private static final java.util.Set<Long> HANDED_ON = ConcurrentHashMap.newKeySet();

    private transient List<UpdateRecord> sinceBarrier;
    private transient TreeMap<Long, List<UpdateRecord>> uncommitted;
    private transient long lastStep;
    private transient ListState<Tuple2<Long, byte[]>> state;
    private transient ListState<Long> lastStepState;

    static void reset() {
        COMMITTED.clear();
        VERSION_AT_CHECKPOINT.clear();
        RESTORED_STEPS.clear();
        HANDED_ON.clear();
    }

    @Override
    public UpdateRecord map(UpdateRecord r) {
        sinceBarrier.add(r);
        lastStep = r.step();
        SEEN.set(lastStep);
        return r;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        uncommitted.put(context.getCheckpointId(), sinceBarrier);
        sinceBarrier = new ArrayList<>();
        VERSION_AT_CHECKPOINT.put(context.getCheckpointId(), lastStep);
        List<Tuple2<Long, byte[]>> entries = new ArrayList<>();
        uncommitted.forEach((id, records) -> records.forEach(
                r -> entries.add(Tuple2.of(id, TrainerStateCodec.encodeRecord(r)))));
        state.update(entries);
        lastStepState.update(List.of(lastStep));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        state = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("uncommitted",
                Types.TUPLE(Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)));
        lastStepState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("last-step", Types.LONG));
        sinceBarrier = new ArrayList<>();
        uncommitted = new TreeMap<>();
        lastStep = 0;
        if (context.isRestored()) {
            for (Tuple2<Long, byte[]> e : state.get()) {
                uncommitted.computeIfAbsent(e.f0, k -> new ArrayList<>())
                        .add(TrainerStateCodec.decodeRecord(e.f1));
            }
            for (long s : lastStepState.get()) {
                lastStep = s;
            }
            RESTORED_STEPS.add(lastStep);
            handOn(Long.MAX_VALUE); // the restored savepoint completed: its records are committed
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        handOn(checkpointId);
    }

    private void handOn(long upToCheckpoint) {
        var due = uncommitted.headMap(upToCheckpoint, true);
        due.forEach((id, records) -> {
            if (HANDED_ON.add(id)) {
                COMMITTED.addAll(records);
            }
        });
        due.clear();
    }
}
