package io.seedflow.operators.parallel;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.model.Batch;
import io.seedflow.core.zo.StepLayout;
import io.seedflow.core.zo.StepPlan;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One trainer subtask's side of the data-parallel step exchange, as a plain state machine (no Flink type): it buffers
 * the subtask's examples, decides when to send its share of the next step (a full share, max-wait, the end of its
 * input, a coordinator's {@link SendShareNowEvent}; with probe groups, its data group leader's count), keeps the step
 * in flight until its gather comes back, and knows when a bounded input has drained. What it does outside itself goes
 * through its {@link Port}: the model, the coordinator, the timer. {@link DataParallelTrainerOperator} is the Flink
 * side (state, mailbox, requests); docs/scale-out.md §3–§5 describe the protocol.
 *
 * <p>Max-wait: a subtask that has waited {@code seedflow.trainer.max-wait} for a full share sends a short one; one
 * whose share has waited that long for the others' tells the coordinator ({@link MaxWaitReachedEvent}), which asks
 * the subtasks that have not sent theirs to send what they have ({@link SendShareNowEvent}), so no step waits much
 * longer than max-wait for a slow or idle input.
 *
 * <p>Probe groups ({@code seedflow.trainer.probe-groups} G > 1, {@link StepLayout}): the subtasks are D data groups
 * × G; the input is broadcast and each subtask keeps its data group's events; subtask (d, g) evaluates its q / G
 * probes on the share, and the gathered shares are joined per piece ({@link StepLayout#piecesInOrder}), so the record
 * equals that of the same pieces at G = 1. The first subtask of a data group leads: it cuts its shares as at G = 1
 * (full, max-wait, end of input); the others take as many examples as it did ({@link ShareCountRequest}), which are
 * the same ones because they receive the same events in the same order from the one {@link BatchPositionAssigner}
 * (checked per step: a data group's lineage must be equal).
 *
 * <p>Lifecycle: {@link #restore} (untrained examples from a checkpoint) and {@link #opened} once, then, in any order
 * the task's mailbox brings them, {@link #add}, {@link #endInput}, {@link #onMaxWaitTimer}, {@link #onSendShareNow},
 * {@link #onCheckpointPending}, {@link #onLeaderCount} and {@link #onGathered}; {@link #untrained} and
 * {@link #checkpointTaken} at every checkpoint. Not thread-safe: the task thread calls it.
 */
final class ShareExchange {
    /** What the exchange asks of its subtask; every call is made from the task thread. */
    interface Port {
        /** The model's version: the step the next one follows. */
        long version();

        /** Plans the next step (its seeds) from the subtask's weights. */
        StepPlan plan();

        /** Evaluates the share on {@code plan} and encodes it ({@link StepShareEvent}'s payload). */
        Share evaluate(StepPlan plan, List<TrainingExample> examples, boolean inputEnded);

        /** Sends an event to the coordinator. */
        void send(org.apache.flink.runtime.operators.coordination.OperatorEvent event);

        /** Asks the coordinator for the data group leader's example count of {@code step}: {@link #onLeaderCount}. */
        void askLeaderCount(long step);

        /** Asks the coordinator for the gather of {@code step} (draining): answered by {@link #onGathered}. */
        void requestGather(long step);

        /** Processing time now, in milliseconds. */
        long now();

        /** Calls {@link #onMaxWaitTimer} at {@code dueMillis} processing time. */
        void armTimer(long dueMillis);

        /** This subtask's wait reached max-wait (a metric). */
        void maxWaitReached();

        /** Completes the step in flight with every subtask's share; says whether anything was trained. */
        Completion complete(InFlight step, StepGatheredEvent gathered);
    }

    /** A share as evaluated: its batch (null when empty) and its encoded payload. */
    record Share(Batch batch, byte[] payload) {
    }

    /** The step this subtask sent its share of and awaits the gather of. */
    record InFlight(StepPlan plan, List<TrainingExample> examples, Batch share, long sentNanos) {
    }

    /** What a gathered step brought. */
    enum Completion {
        /** A step was trained. */
        TRAINED,
        /** No subtask had an example, and some input has not ended yet (a leader drained before a follower). */
        NOTHING,
        /** No subtask had an example and every input has ended: training of the bounded input is over. */
        DRAINED
    }

    private final Port port;
    private final StepLayout layout;
    private final int subtask;
    private final long maxWaitMillis;
    private final ArrayDeque<TrainingExample> buffered = new ArrayDeque<>();
    private InFlight inFlight;
    private boolean inputEnded;
    private boolean finished;
    /** A checkpoint's coordinator part completed and this subtask has not taken it yet: do not hold input back. */
    private boolean checkpointPending;
    private long pendingCheckpointId;
    /** When the current wait (for a full share, or for the gather of the step in flight) began. */
    private long waitingSinceMillis;
    private boolean maxWaitTimerSet;
    /** The current wait has already been reported to the coordinator. */
    private boolean maxWaitReported;
    /** Probe groups, not the leader: the leader's example count of the next step (-1: not known yet). */
    private int leaderCount = -1;
    /** The step whose leader count was asked for and not answered yet (-1: none). */
    private long countAskedFor = -1;

    ShareExchange(Port port, StepLayout layout, int subtask, long maxWaitMillis) {
        this.port = port;
        this.layout = layout;
        this.subtask = subtask;
        this.maxWaitMillis = maxWaitMillis;
    }

    /** The examples a checkpoint left untrained here, in the order they are to be trained. */
    void restore(List<TrainingExample> untrained) {
        buffered.addAll(untrained);
    }

    /** The task is running: restored examples wait at most max-wait again. */
    void opened() {
        if (!buffered.isEmpty()) {
            startWaiting();
        }
    }

    /** One of this subtask's examples arrived; it may complete a share. */
    void add(TrainingExample example) {
        buffered.add(example);
        if (buffered.size() == 1 && inFlight == null) {
            startWaiting();
        }
        startStepIfReady(false);
    }

    /**
     * Whether to hold the input back (backpressure): a step is in flight and the next share is already buffered,
     * except while a checkpoint is pending (Flink holds the gather back until this subtask has read its barrier).
     */
    boolean holdsInput() {
        return inFlight != null && buffered.size() >= layout.shareSize(subtask) && !checkpointPending;
    }

    /** The input ended: the subtask keeps taking part in steps, with what it has, until every subtask has drained. */
    void endInput() {
        inputEnded = true;
        if (inFlight != null) {
            port.requestGather(inFlight.plan().step()); // sent before the input ended: its event may be held back
        }
        startStepIfReady(false);
    }

    /** Every subtask drained: no more steps. */
    boolean finished() {
        return finished;
    }

    /** The coordinator asks the subtasks that have not sent their share of {@code step} to send what they have. */
    void onSendShareNow(long step) {
        if (!finished && inFlight == null && step == port.version() + 1 && !followsLeader()) {
            startStepIfReady(true); // else this subtask sent its share already, or the step is over
        }
    }

    /** A checkpoint's coordinator part completed: until this subtask takes it, do not hold the input back. */
    void onCheckpointPending(long checkpointId) {
        checkpointPending = true;
        pendingCheckpointId = Math.max(pendingCheckpointId, checkpointId);
    }

    /** This subtask took checkpoint {@code checkpointId}. */
    void checkpointTaken(long checkpointId) {
        checkpointPending &= checkpointId < pendingCheckpointId;
    }

    /** The examples not trained yet: the share of the step in flight (it re-runs after a restore), then the buffer. */
    List<TrainingExample> untrained() {
        List<TrainingExample> untrained = new ArrayList<>(buffered.size() + layout.shareSize(subtask));
        if (inFlight != null) {
            untrained.addAll(inFlight.examples());
        }
        untrained.addAll(buffered);
        return untrained;
    }

    /** The data group leader's example count of {@code step}, as the coordinator answered. */
    void onLeaderCount(long step, int examples) {
        if (step == port.version() + 1 && inFlight == null && !finished) {
            leaderCount = examples;
            countAskedFor = -1;
            startStepIfReady(false);
        }
    }

    /**
     * Every subtask's share of a step (the event or, while draining, the response): completes the step in flight.
     *
     * @throws IllegalStateException when it is the gather of a step other than the one in flight
     */
    void onGathered(StepGatheredEvent gathered) {
        if (finished || gathered.step() <= port.version()) {
            return; // the second copy of a gather a draining subtask asked for and already applied
        }
        if (inFlight == null || gathered.step() != inFlight.plan().step()) {
            throw new IllegalStateException("data-parallel trainer subtask " + subtask + " got the shares of step "
                    + gathered.step() + " but has " + (inFlight == null ? "no step" : "step " + inFlight.plan().step())
                    + " in flight");
        }
        InFlight step = inFlight;
        inFlight = null;
        Completion completion = port.complete(step, gathered);
        if (completion == Completion.DRAINED) {
            finished = true;
            return;
        }
        startStepIfReady(false);
        if (completion == Completion.TRAINED && inFlight == null && !buffered.isEmpty()) {
            startWaiting();
        }
    }

    /**
     * The max-wait timer (one at a time; re-armed for the newest wait). A short share waited long enough: send it; a
     * share in flight waited long enough for the others: tell the coordinator, which asks the subtasks that have not
     * sent theirs to send what they have.
     */
    void onMaxWaitTimer(long now) {
        maxWaitTimerSet = false;
        if (finished || inputEnded || (inFlight == null && buffered.isEmpty()) || maxWaitReported) {
            return;
        }
        long due = waitingSinceMillis + maxWaitMillis;
        if (now < due) {
            maxWaitTimerSet = true;
            port.armTimer(due);
            return;
        }
        if (inFlight == null) {
            startStepIfReady(true);
        }
        maxWaitReported = true;
        port.maxWaitReached();
        port.send(new MaxWaitReachedEvent(inFlight.plan().step()));
    }

    /**
     * Sends this subtask's share of the next step once it has a full share, its input has ended, or {@code now}
     * (max-wait passed here or at another subtask): then with what it has, possibly nothing.
     */
    private void startStepIfReady(boolean now) {
        if (inFlight != null || finished) {
            return;
        }
        int count;
        if (followsLeader()) {
            if (leaderCount < 0 || buffered.size() < leaderCount) {
                askLeaderCount(); // the count is unknown, or the leader's examples have not all arrived here yet
                return;
            }
            count = leaderCount;
            leaderCount = -1;
        } else {
            int share = layout.shareSize(subtask);
            if (buffered.size() < share && !inputEnded && !now) {
                return;
            }
            count = Math.min(share, buffered.size());
        }
        List<TrainingExample> examples = new ArrayList<>(count);
        while (examples.size() < count) {
            examples.add(buffered.poll());
        }
        StepPlan plan = port.plan();
        Share share = port.evaluate(plan, examples, inputEnded);
        inFlight = new InFlight(plan, examples, share.batch(), System.nanoTime());
        port.send(new StepShareEvent(plan.step(), share.payload(), inputEnded && examples.isEmpty(), examples.size()));
        if (inputEnded) {
            port.requestGather(plan.step());
        }
        startWaiting();
    }

    /**
     * Max-wait (docs/scale-out.md §3): from now on, what this subtask waits for (the gather of the step in flight, or
     * enough examples for a full share) may take at most {@code seedflow.trainer.max-wait} of processing time.
     */
    private void startWaiting() {
        if (followsLeader()) {
            return; // it takes its leader's count, whatever cut the leader's share short
        }
        waitingSinceMillis = port.now();
        maxWaitReported = false;
        if (!maxWaitTimerSet) {
            maxWaitTimerSet = true;
            port.armTimer(waitingSinceMillis + maxWaitMillis);
        }
    }

    /**
     * With probe groups, every subtask but the first of its data group takes the same examples as that first one, the
     * leader: it receives the same events in the same order, and takes as many as the leader put into its share
     * (§5), so a full share, max-wait or the end of the leader's input cut the group's share alike.
     */
    private boolean followsLeader() {
        return layout.probeGroupOf(subtask) != 0;
    }

    /** Asks the coordinator for the leader's example count of the next step, once (the answer comes as a mail). */
    private void askLeaderCount() {
        long step = port.version() + 1;
        if (leaderCount >= 0 || countAskedFor == step) {
            return;
        }
        countAskedFor = step;
        port.askLeaderCount(step);
    }
}
