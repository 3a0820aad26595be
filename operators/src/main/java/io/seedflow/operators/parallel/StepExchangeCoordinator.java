package io.seedflow.operators.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.CoordinationRequest;
import org.apache.flink.runtime.operators.coordination.CoordinationRequestHandler;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
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
 * of the step from its restored buffer). Because of that holding back, a subtask must never wait for a gather where it
 * cannot read its barrier: before its checkpoint completes the coordinator tells every subtask
 * ({@link CheckpointPendingEvent}) to stop holding its input back until it has taken the checkpoint, and a subtask
 * draining a bounded input (it waits in {@code endInput}) asks for each gather with a {@link GatherRequest}, whose
 * response is never held. Events and requests from an attempt other than the ready one are ignored or refused.
 *
 * <p>Max-wait: when a subtask reports that its share has waited max-wait ({@link MaxWaitReachedEvent}), the subtasks
 * that have not sent their share of that step are asked to send what they have ({@link SendShareNowEvent}).
 *
 * <p>Probe groups: a subtask that does not lead its data group asks for its leader's example count of a step
 * ({@link ShareCountRequest}); the answer comes when the leader's share has arrived.
 *
 * <p>Threading: Flink calls every method from the JobManager's main thread for this coordinator.
 */
public final class StepExchangeCoordinator implements OperatorCoordinator, CoordinationRequestHandler {
    private static final byte[] NO_STATE = new byte[0];

    private final Context context;
    private final int parallelism;
    private final SubtaskGateway[] gateways;
    private final int[] readyAttempts;
    private final byte[][] gathered;
    private final int[] examples;
    /** G: subtasks k with k mod G = 0 lead their data group; the others take their leader's example count. */
    private final int probeGroups;
    private final boolean[] drained;
    private long gatheringStep = -1;
    private int arrived;
    /** Every subtask drained (a round of empty shares): training of the bounded input is over. */
    private boolean finished;
    /** The newest completed gather (answers a request that comes after it), and requests for the one in progress. */
    private StepGatheredEvent lastGathered;
    private final List<Waiting> waiting = new ArrayList<>();
    /** Requests for the example count of a leader's share that has not arrived yet. */
    private final List<WaitingCount> waitingCounts = new ArrayList<>();

    private record Waiting(long step, int subtask, CompletableFuture<CoordinationResponse> response) {
    }

    private record WaitingCount(long step, int subtask, int leader, CompletableFuture<CoordinationResponse> response) {
    }

    StepExchangeCoordinator(Context context, int probeGroups) {
        this.context = context;
        this.probeGroups = probeGroups;
        this.parallelism = context.currentParallelism();
        this.examples = new int[parallelism];
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
        if (event instanceof StepShareEvent share) {
            gather(subtask, share);
        } else if (event instanceof MaxWaitReachedEvent late && arrived > 0 && late.step() == gatheringStep) {
            for (int i = 0; i < parallelism; i++) {
                if (gathered[i] == null && gateways[i] != null) {
                    gateways[i].sendEvent(new SendShareNowEvent(gatheringStep)); // send what you have
                }
            }
        } // else a max-wait report of a step gathered meanwhile (or dropped by a reset)
    }

    @Override
    public CompletableFuture<CoordinationResponse> handleCoordinationRequest(CoordinationRequest request) {
        if (request instanceof ShareCountRequest count && fromReadyAttempt(count.subtask(), count.attemptNumber())) {
            return shareCount(count);
        }
        if (request instanceof GatherRequest ask && fromReadyAttempt(ask.subtask(), ask.attemptNumber())) {
            return gatherOf(ask);
        }
        return CompletableFuture.failedFuture(new FlinkException("data-parallel trainer coordinator: refused "
                + request + " (not ours, or from an attempt that is not the ready one)"));
    }

    private boolean fromReadyAttempt(int subtask, int attemptNumber) {
        return subtask >= 0 && subtask < parallelism && attemptNumber == readyAttempts[subtask];
    }

    /** The gathered shares of {@code ask}'s step, now (the newest gather) or when its last share arrives. */
    private CompletableFuture<CoordinationResponse> gatherOf(GatherRequest ask) {
        if (lastGathered != null && lastGathered.step() == ask.step()) {
            return CompletableFuture.completedFuture(CoordinationAnswers.gathered(lastGathered));
        }
        CompletableFuture<CoordinationResponse> response = new CompletableFuture<>();
        waiting.removeIf(w -> w.subtask() == ask.subtask()); // asked again after Flink's RPC timeout
        waiting.add(new Waiting(ask.step(), ask.subtask(), response));
        return response;
    }

    /** The example count of the share of {@code ask}'s data group leader, now or when it arrives. */
    private CompletableFuture<CoordinationResponse> shareCount(ShareCountRequest ask) {
        int leader = ask.subtask() - ask.subtask() % probeGroups;
        if (arrived > 0 && gatheringStep == ask.step() && gathered[leader] != null) {
            return CompletableFuture.completedFuture(CoordinationAnswers.shareCount(ask.step(), examples[leader]));
        }
        CompletableFuture<CoordinationResponse> response = new CompletableFuture<>();
        waitingCounts.removeIf(w -> w.subtask() == ask.subtask()); // asked again after Flink's RPC timeout
        waitingCounts.add(new WaitingCount(ask.step(), ask.subtask(), leader, response));
        return response;
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
        examples[subtask] = share.examples();
        if (!waitingCounts.isEmpty()) {
            CoordinationResponse count = CoordinationAnswers.shareCount(gatheringStep, share.examples());
            waitingCounts.removeIf(w -> w.leader() == subtask && w.step() == gatheringStep
                    && w.response().complete(count));
        }
        if (++arrived < parallelism) {
            return;
        }
        StepGatheredEvent all = new StepGatheredEvent(gatheringStep, List.of(gathered));
        boolean allDrained = true;
        for (boolean d : drained) {
            allDrained &= d;
        }
        if (!allDrained) {
            for (SubtaskGateway gateway : gateways) {
                gateway.sendEvent(all); // a lost delivery means a failing subtask: Flink fails over, the gather restarts
            }
        }
        // else the last gather of a bounded input: every subtask is draining and asked for it with a request; an event
        // too could reach a subtask that already took the answer from its request and finished, which Flink would
        // treat as a lost event and fail over
        lastGathered = all;
        if (!waiting.isEmpty()) {
            CoordinationResponse response = CoordinationAnswers.gathered(all);
            waiting.removeIf(w -> w.step() == all.step() && w.response().complete(response));
        }
        finished |= allDrained;
        dropGather();
    }

    private void dropGather() {
        Arrays.fill(gathered, null);
        Arrays.fill(drained, false);
        arrived = 0;
        gatheringStep = -1;
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        if (!finished) {
            for (SubtaskGateway gateway : gateways) {
                if (gateway != null) {
                    gateway.sendEvent(new CheckpointPendingEvent(checkpointId)); // in the mailbox before the barrier
                }
            }
        }
        result.complete(NO_STATE);
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

    /** Back to the state of any checkpoint: no gather in progress or answered (the restored subtasks re-send). */
    private void reset() {
        dropGather();
        finished = false;
        lastGathered = null;
        for (Waiting w : waiting) {
            w.response().completeExceptionally(new FlinkException("data-parallel trainer reset while a subtask "
                    + "waited for the gather of step " + w.step()));
        }
        waiting.clear();
        for (WaitingCount w : waitingCounts) {
            w.response().completeExceptionally(new FlinkException("data-parallel trainer reset while a subtask "
                    + "waited for its data group's share count of step " + w.step()));
        }
        waitingCounts.clear();
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
        private final int probeGroups;

        public Provider(OperatorID operatorId, int probeGroups) {
            this.operatorId = operatorId;
            this.probeGroups = probeGroups;
        }

        @Override
        public OperatorID getOperatorId() {
            return operatorId;
        }

        @Override
        public OperatorCoordinator create(Context context) {
            return new StepExchangeCoordinator(context, probeGroups);
        }
    }
}
