package io.seedflow.operators.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.zo.StepLayout;
import io.seedflow.core.zo.StepPlan;
import io.seedflow.core.zo.ZoOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.junit.jupiter.api.Test;

/**
 * The subtask's side of the exchange as a state machine, without Flink: when a share is sent (full, max-wait, end of
 * input, the coordinator's request, the leader's count), backpressure, draining, checkpoints and what it refuses.
 */
class ShareExchangeTest {
    private static final long MAX_WAIT = 1_000;

    /** Records what the exchange does; completes a gathered step as trained unless told otherwise. */
    private static final class FakePort implements ShareExchange.Port {
        final List<OperatorEvent> sent = new ArrayList<>();
        final List<Long> gathersAsked = new ArrayList<>();
        final List<Long> countsAsked = new ArrayList<>();
        final List<Long> timers = new ArrayList<>();
        final List<Integer> shareSizes = new ArrayList<>();
        long version;
        long now;
        int maxWaits;
        ShareExchange.Completion next = ShareExchange.Completion.TRAINED;

        @Override
        public long version() {
            return version;
        }

        @Override
        public StepPlan plan() {
            return new StepPlan(version + 1, 1e-3, 1e-3f, new long[] {version + 100}, null);
        }

        @Override
        public ShareExchange.Share evaluate(StepPlan plan, List<TrainingExample> examples, boolean inputEnded) {
            shareSizes.add(examples.size());
            return new ShareExchange.Share(null, new byte[] {(byte) examples.size()});
        }

        @Override
        public void send(OperatorEvent event) {
            sent.add(event);
        }

        @Override
        public void askLeaderCount(long step) {
            countsAsked.add(step);
        }

        @Override
        public void requestGather(long step) {
            gathersAsked.add(step);
        }

        @Override
        public long now() {
            return now;
        }

        @Override
        public void armTimer(long dueMillis) {
            timers.add(dueMillis);
        }

        @Override
        public void maxWaitReached() {
            maxWaits++;
        }

        @Override
        public ShareExchange.Completion complete(ShareExchange.InFlight step, StepGatheredEvent gathered) {
            if (next == ShareExchange.Completion.TRAINED) {
                version = step.plan().step();
            }
            return next;
        }

        StepShareEvent lastShare() {
            for (int i = sent.size() - 1; i >= 0; i--) {
                if (sent.get(i) instanceof StepShareEvent share) {
                    return share;
                }
            }
            throw new AssertionError("no share sent");
        }
    }

    private final FakePort port = new FakePort();

    /** Batch 8 over P = 2 subtasks: two data groups with shares of 4, or (G = 2) one data group of two. */
    private ShareExchange exchange(int subtask, int probeGroups) {
        StepLayout layout = StepLayout.of(8, 0, 2, probeGroups, ZoOptions.builder().perturbations(2).build());
        return new ShareExchange(port, layout, subtask, MAX_WAIT);
    }

    private static TrainingExample example(long position) {
        TrainingExample e = new TrainingExample("m", new float[] {position}, 0, "t", 0, position);
        return e.withPosition(position);
    }

    private static StepGatheredEvent gathered(long step) {
        return new StepGatheredEvent(step, List.of(new byte[0], new byte[0]));
    }

    @Test
    void aFullShareIsSentAndTheNextShareHoldsTheInputBackUntilItsGatherComes() {
        ShareExchange x = exchange(0, 1);
        for (int i = 0; i < 3; i++) {
            x.add(example(i));
        }
        assertThat(port.sent).isEmpty();
        assertThat(port.timers).as("the first buffered example starts the max-wait clock").containsExactly(MAX_WAIT);
        x.add(example(3));
        assertThat(port.lastShare().step()).isEqualTo(1);
        assertThat(port.lastShare().examples()).isEqualTo(4);
        assertThat(x.holdsInput()).isFalse();
        for (int i = 4; i < 8; i++) {
            x.add(example(i));
        }
        assertThat(x.holdsInput()).as("a full share waits behind the step in flight").isTrue();
        assertThat(x.untrained()).extracting(e -> e.position).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);

        x.onGathered(gathered(1));
        assertThat(port.version).isEqualTo(1);
        assertThat(port.lastShare().step()).as("the buffered share goes at once").isEqualTo(2);
        assertThat(x.holdsInput()).isFalse();
        assertThat(x.untrained()).extracting(e -> e.position).containsExactly(4L, 5L, 6L, 7L);
    }

    @Test
    void aCheckpointPendingLetsTheInputFlowUntilThatCheckpointIsTaken() {
        ShareExchange x = exchange(0, 1);
        for (int i = 0; i < 8; i++) {
            x.add(example(i));
        }
        assertThat(x.holdsInput()).isTrue();
        x.onCheckpointPending(5);
        assertThat(x.holdsInput()).isFalse();
        x.checkpointTaken(4);
        assertThat(x.holdsInput()).as("an older checkpoint").isFalse();
        x.checkpointTaken(5);
        assertThat(x.holdsInput()).isTrue();
    }

    @Test
    void maxWaitSendsAShortShareThenReportsTheWaitForTheOthers() {
        ShareExchange x = exchange(0, 1);
        x.add(example(0));
        port.now = 400;
        x.onMaxWaitTimer(400);
        assertThat(port.timers).as("fired early: re-armed for the due time").containsExactly(MAX_WAIT, MAX_WAIT);
        assertThat(port.sent).isEmpty();

        x.onMaxWaitTimer(MAX_WAIT);
        assertThat(port.shareSizes).containsExactly(1);
        assertThat(port.sent.get(port.sent.size() - 1)).isEqualTo(new MaxWaitReachedEvent(1));
        assertThat(port.maxWaits).isEqualTo(1);
        x.onMaxWaitTimer(5 * MAX_WAIT);
        assertThat(port.maxWaits).as("one report per wait").isEqualTo(1);
    }

    @Test
    void theCoordinatorsRequestSendsWhatThisSubtaskHasOnlyForTheNextStep() {
        ShareExchange x = exchange(0, 1);
        x.add(example(0));
        x.onSendShareNow(7); // not the next step
        assertThat(port.sent).isEmpty();
        x.onSendShareNow(1);
        assertThat(port.shareSizes).containsExactly(1);
        x.onSendShareNow(1); // already sent
        assertThat(port.shareSizes).hasSize(1);
    }

    @Test
    void theEndOfInputSendsTheRestAndDrainsByRequestUntilEverySubtaskHasNothing() {
        ShareExchange x = exchange(1, 1);
        x.add(example(0));
        x.add(example(1));
        x.endInput();
        assertThat(port.lastShare().examples()).isEqualTo(2);
        assertThat(port.gathersAsked).containsExactly(1L);

        x.onGathered(gathered(1));
        assertThat(port.lastShare().examples()).as("an empty share: still taking part").isZero();
        assertThat(port.lastShare().drained()).isTrue();
        assertThat(port.gathersAsked).containsExactly(1L, 2L);
        x.onGathered(gathered(1)); // the event copy of a gather it already applied
        port.next = ShareExchange.Completion.DRAINED;
        x.onGathered(gathered(2));
        assertThat(x.finished()).isTrue();
        x.onSendShareNow(3);
        assertThat(port.lastShare().step()).as("nothing after draining").isEqualTo(2);
    }

    @Test
    void aFollowerTakesItsLeadersCountAndAsksForItOncePerStep() {
        ShareExchange follower = exchange(1, 2); // P = 2 as one data group of 2 probe groups: subtask 1 follows 0
        follower.add(example(0));
        follower.add(example(1));
        assertThat(port.countsAsked).containsExactly(1L);
        follower.add(example(2));
        assertThat(port.countsAsked).as("asked once").containsExactly(1L);
        assertThat(port.timers).as("a follower keeps no max-wait of its own").isEmpty();

        follower.onLeaderCount(1, 2);
        assertThat(port.shareSizes).containsExactly(2);
        follower.onGathered(gathered(1));
        assertThat(port.countsAsked).containsExactly(1L, 2L);
        follower.onLeaderCount(2, 3); // the leader cut 3, only 1 is here yet
        assertThat(port.shareSizes).hasSize(1);
        follower.add(example(3));
        follower.add(example(4));
        assertThat(port.shareSizes).containsExactly(2, 3);
    }

    @Test
    void aGatherOfAnotherStepThanTheOneInFlightIsRefusedNamingBoth() {
        ShareExchange x = exchange(0, 1);
        assertThatThrownBy(() -> x.onGathered(gathered(1))).hasMessageContaining("shares of step 1")
                .hasMessageContaining("no step in flight");
        for (int i = 0; i < 4; i++) {
            x.add(example(i));
        }
        assertThatThrownBy(() -> x.onGathered(gathered(2))).hasMessageContaining("shares of step 2")
                .hasMessageContaining("step 1 in flight");
    }

    @Test
    void restoredExamplesWaitAtMostMaxWaitAgain() {
        ShareExchange x = exchange(0, 1);
        x.restore(List.of(example(10), example(11)));
        port.now = 50;
        x.opened();
        assertThat(port.timers).containsExactly(50 + MAX_WAIT);
        assertThat(x.untrained()).extracting(e -> e.position).containsExactly(10L, 11L);
    }
}
