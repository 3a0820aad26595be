package io.seedflow.operators.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.messages.Acknowledge;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
import org.apache.flink.runtime.operators.coordination.MockOperatorCoordinatorContext;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.junit.jupiter.api.Test;

/**
 * The exchange's protocol on the JobManager, without a cluster: Flink's own coordinator test context and gateways
 * that record what each subtask is sent. The all-gather in subtask order, max-wait, probe groups' share counts, the
 * requests of draining subtasks, checkpoints and resets, and what it refuses.
 */
class StepExchangeCoordinatorTest {
    private static final int P = 3;

    private final MockOperatorCoordinatorContext context = new MockOperatorCoordinatorContext(new OperatorID(), P);
    private final List<RecordingGateway> gateways = new ArrayList<>();

    private StepExchangeCoordinator started(int probeGroups) {
        StepExchangeCoordinator c = new StepExchangeCoordinator(context, probeGroups);
        c.start();
        for (int k = 0; k < P; k++) {
            RecordingGateway g = new RecordingGateway(k);
            gateways.add(g);
            c.executionAttemptReady(k, 0, g);
        }
        return c;
    }

    private static StepShareEvent share(long step, int subtask, boolean drained, int examples) {
        return new StepShareEvent(step, new byte[] {(byte) step, (byte) subtask}, drained, examples);
    }

    @Test
    void everySubtaskGetsAllSharesInSubtaskOrderOnceTheLastArrives() {
        StepExchangeCoordinator c = started(1);
        c.handleEventFromOperator(2, 0, share(1, 2, false, 4));
        c.handleEventFromOperator(0, 0, share(1, 0, false, 4));
        assertThat(gateways).allSatisfy(g -> assertThat(g.events).isEmpty());

        c.handleEventFromOperator(1, 0, share(1, 1, false, 4));
        for (RecordingGateway g : gateways) {
            assertThat(g.events).hasSize(1);
            StepGatheredEvent all = (StepGatheredEvent) g.events.get(0);
            assertThat(all.step()).isEqualTo(1);
            assertThat(all.payloads()).containsExactly(new byte[] {1, 0}, new byte[] {1, 1}, new byte[] {1, 2});
        }
        // the next step gathers afresh
        for (int k = 0; k < P; k++) {
            c.handleEventFromOperator(k, 0, share(2, k, false, 4));
        }
        assertThat(((StepGatheredEvent) gateways.get(1).events.get(1)).step()).isEqualTo(2);
        assertThat(context.isJobFailed()).isFalse();
    }

    @Test
    void maxWaitAsksOnlyTheSubtasksThatHaveNotSentTheirShare() {
        StepExchangeCoordinator c = started(1);
        c.handleEventFromOperator(0, 0, share(5, 0, false, 2));
        c.handleEventFromOperator(0, 0, new MaxWaitReachedEvent(5));
        assertThat(gateways.get(0).events).isEmpty();
        assertThat(gateways.get(1).events).containsExactly(new SendShareNowEvent(5));
        assertThat(gateways.get(2).events).containsExactly(new SendShareNowEvent(5));

        c.handleEventFromOperator(0, 0, new MaxWaitReachedEvent(4)); // a step gathered meanwhile: nothing to ask
        assertThat(gateways.get(1).events).hasSize(1);
    }

    @Test
    void aFollowerGetsItsLeadersExampleCountWhenTheLeadersShareArrives() throws Exception {
        StepExchangeCoordinator c = started(3); // one data group: subtask 0 leads, 1 and 2 follow
        CompletableFuture<CoordinationResponse> early = c.handleCoordinationRequest(new ShareCountRequest(1, 2, 0));
        assertThat(early).isNotDone();

        c.handleEventFromOperator(0, 0, share(1, 0, false, 7));
        assertThat(CoordinationAnswers.readShareCount(early.get())).isEqualTo(new CoordinationAnswers.ShareCount(1, 7));
        CompletableFuture<CoordinationResponse> late = c.handleCoordinationRequest(new ShareCountRequest(1, 1, 0));
        assertThat(CoordinationAnswers.readShareCount(late.get()).examples()).isEqualTo(7);
    }

    @Test
    void aDrainingSubtaskAsksForTheGatherAndTheLastRoundIsAnsweredOnlyByRequest() throws Exception {
        StepExchangeCoordinator c = started(1);
        for (int k = 0; k < P; k++) {
            c.handleEventFromOperator(k, 0, share(1, k, false, 3));
        }
        CompletableFuture<CoordinationResponse> past = c.handleCoordinationRequest(new GatherRequest(1, 0, 0));
        assertThat(CoordinationAnswers.readGathered(past.get()).step()).as("the newest gather, answered at once")
                .isEqualTo(1);

        List<CompletableFuture<CoordinationResponse>> asked = new ArrayList<>();
        for (int k = 0; k < P; k++) {
            asked.add(c.handleCoordinationRequest(new GatherRequest(2, k, 0)));
            c.handleEventFromOperator(k, 0, share(2, k, true, 0));
        }
        for (CompletableFuture<CoordinationResponse> a : asked) {
            assertThat(CoordinationAnswers.readGathered(a.get()).payloads()).hasSize(P);
        }
        assertThat(gateways).as("no event for the last round: a finished subtask would count it as lost")
                .allSatisfy(g -> assertThat(g.events).hasSize(1));
    }

    @Test
    void aCheckpointTellsEverySubtaskBeforeItsBarrierAndLeavesNoState() throws Exception {
        StepExchangeCoordinator c = started(1);
        CompletableFuture<byte[]> state = new CompletableFuture<>();
        c.checkpointCoordinator(11, state);
        assertThat(state.get()).isEmpty();
        assertThat(gateways).allSatisfy(g -> assertThat(g.events).singleElement()
                .isInstanceOfSatisfying(CheckpointPendingEvent.class, e -> assertThat(e.checkpointId()).isEqualTo(11)));
    }

    @Test
    void aFailedAttemptDropsThePartialGatherAndFailsWhatWaitedOnIt() {
        StepExchangeCoordinator c = started(1);
        c.handleEventFromOperator(0, 0, share(3, 0, false, 2));
        CompletableFuture<CoordinationResponse> waiting = c.handleCoordinationRequest(new GatherRequest(3, 0, 0));
        c.executionAttemptFailed(1, 0, new RuntimeException("killed"));
        assertThat(waiting).isCompletedExceptionally();

        // the old attempt's share is ignored; after the new attempt is ready every subtask re-sends step 3
        c.handleEventFromOperator(1, 0, share(3, 1, false, 2));
        RecordingGateway again = new RecordingGateway(1);
        c.executionAttemptReady(1, 1, again);
        c.handleEventFromOperator(0, 0, share(3, 0, false, 2));
        c.handleEventFromOperator(1, 1, share(3, 1, false, 2));
        c.handleEventFromOperator(2, 0, share(3, 2, false, 2));
        assertThat(again.events).singleElement().isInstanceOf(StepGatheredEvent.class);
        assertThat(context.isJobFailed()).isFalse();
    }

    @Test
    void subtasksAtDifferentStepsOrAShareSentTwiceFailTheJobNamingTheStep() {
        StepExchangeCoordinator c = started(1);
        c.handleEventFromOperator(0, 0, share(4, 0, false, 1));
        c.handleEventFromOperator(1, 0, share(5, 1, false, 1));
        assertThat(context.isJobFailed()).isTrue();
        assertThat(context.getJobFailureReason()).hasMessageContaining("subtask 1").hasMessageContaining("step 5")
                .hasMessageContaining("at step 4");

        MockOperatorCoordinatorContext other = new MockOperatorCoordinatorContext(new OperatorID(), P);
        StepExchangeCoordinator twice = new StepExchangeCoordinator(other, 1);
        for (int k = 0; k < P; k++) {
            twice.executionAttemptReady(k, 0, new RecordingGateway(k));
        }
        twice.handleEventFromOperator(2, 0, share(1, 2, false, 1));
        twice.handleEventFromOperator(2, 0, share(1, 2, false, 1));
        assertThat(other.getJobFailureReason()).hasMessageContaining("subtask 2 sent step 1 twice");
    }

    @Test
    void requestsFromAnAttemptThatIsNotTheReadyOneAreRefused() {
        StepExchangeCoordinator c = started(1);
        assertThat(c.handleCoordinationRequest(new GatherRequest(1, 0, 7))).isCompletedExceptionally();
        assertThat(c.handleCoordinationRequest(new ShareCountRequest(1, P, 0))).isCompletedExceptionally();
    }

    /** A subtask's gateway that keeps what it is sent. */
    private static final class RecordingGateway implements OperatorCoordinator.SubtaskGateway {
        final List<OperatorEvent> events = new ArrayList<>();
        private final int subtask;
        private final ExecutionAttemptID attempt = ExecutionAttemptID.randomId();

        RecordingGateway(int subtask) {
            this.subtask = subtask;
        }

        @Override
        public CompletableFuture<Acknowledge> sendEvent(OperatorEvent event) {
            events.add(event);
            return CompletableFuture.completedFuture(Acknowledge.get());
        }

        @Override
        public ExecutionAttemptID getExecution() {
            return attempt;
        }

        @Override
        public int getSubtask() {
            return subtask;
        }
    }
}
