package io.seedflow.operators.parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.jobgraph.tasks.TaskOperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.CoordinationRequest;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.SerializedValue;
import org.apache.flink.util.function.ThrowingConsumer;

/**
 * A trainer subtask's requests to its {@link StepExchangeCoordinator}, answered as mails of the task. The coordinator
 * answers when it can (a leader's share, the last share of a gather), which may take longer than Flink's RPC timeout
 * ({@code pekko.ask.timeout}, 10 s by default) on an idle input or a slow step: a request that timed out is sent again
 * (the coordinator keeps only the newest per subtask). Any other failure fails the task; a task already closing, in a
 * failover or cancellation, waits for nothing.
 */
final class CoordinatorRequests {
    private final TaskOperatorEventGateway gateway;
    private final OperatorID operatorId;
    private final MailboxExecutor mailbox;
    private final int subtask;
    private final Runnable timedOut;

    /** @param timedOut called (on the task thread) for every request that ran into the RPC timeout and is asked again */
    CoordinatorRequests(TaskOperatorEventGateway gateway, OperatorID operatorId, MailboxExecutor mailbox, int subtask,
            Runnable timedOut) {
        this.gateway = gateway;
        this.operatorId = operatorId;
        this.mailbox = mailbox;
        this.subtask = subtask;
        this.timedOut = timedOut;
    }

    /** Sends {@code request} and hands its answer to {@code onAnswer} as a mail; {@code what} names it in errors. */
    void ask(CoordinationRequest request, String what, ThrowingConsumer<CoordinationResponse, Exception> onAnswer) {
        SerializedValue<CoordinationRequest> serialized;
        try {
            serialized = new SerializedValue<>(request);
        } catch (IOException e) {
            throw new UncheckedIOException("data-parallel trainer: cannot serialize " + request, e);
        }
        gateway.sendRequestToCoordinator(operatorId, serialized).whenComplete((response, failure) -> {
            try {
                mailbox.execute(() -> {
                    if (failure != null && ExceptionUtils.findThrowable(failure, TimeoutException.class).isPresent()) {
                        timedOut.run();
                        ask(request, what, onAnswer); // not answered yet: still waiting, ask again
                        return;
                    }
                    if (failure != null) {
                        throw new IllegalStateException("data-parallel trainer subtask " + subtask + ": asking for "
                                + what + " failed", failure);
                    }
                    onAnswer.accept(response);
                }, "data-parallel answer: %s", what);
            } catch (RejectedExecutionException closed) {
                // the task is closing: nothing is waiting for this answer any more
            }
        });
    }
}
