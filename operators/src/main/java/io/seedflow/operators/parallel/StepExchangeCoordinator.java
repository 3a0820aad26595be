package io.seedflow.operators.parallel;

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
 * <p>Checkpoints hold nothing. The gather in flight is dropped on a reset or a failed attempt: Flink delivers events
 * sent to the subtasks in checkpoint order, so every subtask's checkpoint holds the same model version, and after a
 * restore every subtask re-sends the step it had in flight (docs/scale-out.md §4). Events from an attempt other than
 * the ready one are ignored.
 *
 * <p>Threading: Flink calls every method from the JobManager's main thread for this coordinator.
 */
public final class StepExchangeCoordinator implements OperatorCoordinator {
    private final Context context;
    private final int parallelism;
    private final SubtaskGateway[] gateways;
    private final int[] readyAttempts;
    private final byte[][] gathered;
    private long gatheringStep = -1;
    private int arrived;

    StepExchangeCoordinator(Context context) {
        this.context = context;
        this.parallelism = context.currentParallelism();
        this.gateways = new SubtaskGateway[parallelism];
        this.readyAttempts = new int[parallelism];
        Arrays.fill(readyAttempts, -1);
        this.gathered = new byte[parallelism][];
    }

    @Override
    public void start() {
    }

    @Override
    public void close() {
    }

    @Override
    public void handleEventFromOperator(int subtask, int attemptNumber, OperatorEvent event) {
        if (!(event instanceof StepShareEvent share) || attemptNumber != readyAttempts[subtask]) {
            return; // not ours, or from an attempt that failed meanwhile
        }
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
        if (++arrived < parallelism) {
            return;
        }
        StepGatheredEvent all = new StepGatheredEvent(gatheringStep, List.of(gathered));
        for (SubtaskGateway gateway : gateways) {
            gateway.sendEvent(all); // a lost delivery means a failing subtask: Flink fails over, the gather restarts
        }
        dropGather();
    }

    private void dropGather() {
        Arrays.fill(gathered, null);
        arrived = 0;
        gatheringStep = -1;
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        result.complete(new byte[0]);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
    }

    @Override
    public void resetToCheckpoint(long checkpointId, byte[] checkpointData) {
        dropGather();
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        dropGather();
    }

    @Override
    public void executionAttemptFailed(int subtask, int attemptNumber, Throwable reason) {
        if (attemptNumber == readyAttempts[subtask]) {
            readyAttempts[subtask] = -1;
            gateways[subtask] = null;
        }
        dropGather();
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
