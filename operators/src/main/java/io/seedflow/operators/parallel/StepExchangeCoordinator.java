package io.seedflow.operators.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.util.FlinkException;

/**
 * The data-parallel trainer's exchange, on the JobManager: an all-gather per step. Each of the P trainer subtasks
 * sends its share of step n ({@link StepShareEvent}); once all P have arrived, every subtask gets the P payloads in
 * subtask order ({@link StepGatheredEvent}). It knows nothing of models or sums: combining stays in core, run by every
 * subtask on the same list (docs/scale-out.md §3).
 *
 * <p>Checkpoints (docs/scale-out.md §4): the coordinator's own checkpoint is empty. Flink delivers the events it sent
 * before its checkpoint completed to the subtasks' mailboxes before any barrier is injected, and holds back those sent
 * after until the receiving subtask has taken the checkpoint, so every subtask's checkpoint holds the same model
 * version; a partial gather is in no subtask's checkpoint and is dropped on a reset (every subtask re-sends its share
 * of the step from its restored buffer). Because of that holding back, two things are done before the checkpoint
 * completes: every subtask is told ({@link CheckpointPendingEvent}) to stop holding its input back until it has taken
 * the checkpoint, and while a subtask drains a bounded input ({@link InputEndedEvent}; it waits in {@code endInput},
 * where it cannot read a barrier) the checkpoint is deferred until the drain is over. Events from an attempt other
 * than the ready one are ignored.
 *
 * <p>Threading: Flink calls every method from the JobManager's main thread for this coordinator.
 */
public final class StepExchangeCoordinator implements OperatorCoordinator {
    private static final byte[] NO_STATE = new byte[0];

    private final Context context;
    private final int parallelism;
    private final SubtaskGateway[] gateways;
    private final int[] readyAttempts;
    private final byte[][] gathered;
    private final boolean[] drained;
    private long gatheringStep = -1;
    private int arrived;
    /** Some subtask's input has ended and not every subtask has drained yet: checkpoints wait. */
    private boolean draining;
    /** Every subtask drained (a round of empty shares): training of the bounded input is over. */
    private boolean finished;
    /** Checkpoints triggered while draining: id and result, completed when the drain is over. */
    private final List<Deferred> deferredCheckpoints = new ArrayList<>();

    private record Deferred(long checkpointId, CompletableFuture<byte[]> result) {
    }

    StepExchangeCoordinator(Context context) {
        this.context = context;
        this.parallelism = context.currentParallelism();
        this.gateways = new SubtaskGateway[parallelism];
        this.readyAttempts = new int[parallelism];
        Arrays.fill(readyAttempts, -1);
        this.gathered = new byte[parallelism][];
        this.drained = new boolean[parallelism];
    }

    @Override
    public void start() {
    }

    @Override
    public void close() {
    }

    @Override
    public void handleEventFromOperator(int subtask, int attemptNumber, OperatorEvent event) {
        if (attemptNumber != readyAttempts[subtask]) {
            return; // from an attempt that failed meanwhile
        }
        if (event instanceof InputEndedEvent) {
            draining = !finished;
        } else if (event instanceof StepShareEvent share) {
            gather(subtask, share);
        }
    }

    private void gather(int subtask, StepShareEvent share) {
        if (arrived == 0) {
            gatheringStep = share.step();
        } else if (share.step() != gatheringStep) {
            context.failJob(new FlinkException("data-parallel trainer subtask " + subtask + " sent its share of step "
                    + share.step() + " while the others are at step " + gatheringStep + "; the subtasks no longer "
                    + "hold the same model version"));
            return;
        }
        if (gathered[subtask] != null) {
            context.failJob(new FlinkException("data-parallel trainer subtask " + subtask + " sent step "
                    + gatheringStep + " twice"));
            return;
        }
        gathered[subtask] = share.payload();
        drained[subtask] = share.drained();
        if (++arrived < parallelism) {
            return;
        }
        StepGatheredEvent all = new StepGatheredEvent(gatheringStep, List.of(gathered));
        for (SubtaskGateway gateway : gateways) {
            gateway.sendEvent(all); // a lost delivery means a failing subtask: Flink fails over, the gather restarts
        }
        boolean allDrained = true;
        for (boolean d : drained) {
            allDrained &= d;
        }
        dropGather();
        if (allDrained) {
            finished = true;
            draining = false;
            runDeferredCheckpoints();
        }
    }

    private void dropGather() {
        Arrays.fill(gathered, null);
        Arrays.fill(drained, false);
        arrived = 0;
        gatheringStep = -1;
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        if (draining) {
            deferredCheckpoints.add(new Deferred(checkpointId, result));
        } else {
            complete(checkpointId, result);
        }
    }

    private void complete(long checkpointId, CompletableFuture<byte[]> result) {
        if (!finished) {
            for (SubtaskGateway gateway : gateways) {
                if (gateway != null) {
                    gateway.sendEvent(new CheckpointPendingEvent(checkpointId)); // in the mailbox before the barrier
                }
            }
        }
        result.complete(NO_STATE);
    }

    private void runDeferredCheckpoints() {
        List<Deferred> due = new ArrayList<>(deferredCheckpoints);
        deferredCheckpoints.clear();
        due.forEach(d -> complete(d.checkpointId(), d.result()));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
    }

    @Override
    public void resetToCheckpoint(long checkpointId, byte[] checkpointData) {
        reset();
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        reset();
    }

    @Override
    public void executionAttemptFailed(int subtask, int attemptNumber, Throwable reason) {
        if (attemptNumber == readyAttempts[subtask]) {
            readyAttempts[subtask] = -1;
            gateways[subtask] = null;
        }
        reset();
    }

    /** Back to the state of any checkpoint: no gather, no drain (the restored subtasks announce theirs again). */
    private void reset() {
        dropGather();
        draining = false;
        finished = false;
        for (Deferred d : deferredCheckpoints) {
            d.result().completeExceptionally(new FlinkException("data-parallel trainer reset while checkpoint "
                    + d.checkpointId() + " waited for a drain"));
        }
        deferredCheckpoints.clear();
    }

    @Override
    public void executionAttemptReady(int subtask, int attemptNumber, SubtaskGateway gateway) {
        readyAttempts[subtask] = attemptNumber;
        gateways[subtask] = gateway;
    }

    /** Creates the coordinator on the JobManager; serialized into the job graph. */
    public static final class Provider implements OperatorCoordinator.Provider {
        private static final long serialVersionUID = 1L;
        private final OperatorID operatorId;

        public Provider(OperatorID operatorId) {
            this.operatorId = operatorId;
        }

        @Override
        public OperatorID getOperatorId() {
            return operatorId;
        }

        @Override
        public OperatorCoordinator create(Context context) {
            return new StepExchangeCoordinator(context);
        }
    }
}
