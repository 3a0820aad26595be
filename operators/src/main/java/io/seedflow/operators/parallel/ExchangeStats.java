package io.seedflow.operators.parallel;

import java.util.ArrayList;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * What the data-parallel trainer's exchange cost, as Flink accumulators (in the job's result, summed or listed over
 * subtasks): per subtask and step the time from sending its share to receiving all shares (µs, in step order), the
 * payload bytes sent and received, how often max-wait cut a step short, how often a coordination request was sent
 * again after Flink's RPC timeout, and each subtask's final version and weights
 * SHA-256 (for tests and the bench). The per-step latencies keep the first {@link #KEPT_LATENCIES} steps only, so an
 * unbounded job does not grow them without end; the metrics {@code seedflowExchangeMicros} (the newest step's) and
 * {@code seedflowMaxWaitReached} show a running job's.
 */
final class ExchangeStats {
    static final String LATENCIES = "seedflow-dp-exchange-micros";
    static final String SENT_BYTES = "seedflow-dp-share-bytes";
    static final String RECEIVED_BYTES = "seedflow-dp-gathered-bytes";
    static final String EVENTS = "seedflow-dp-share-events";
    static final String WEIGHTS = "seedflow-dp-final-weights";
    static final String MAX_WAIT_REACHED = "seedflow-dp-max-wait-reached";
    static final String REQUESTS_REPEATED = "seedflow-dp-requests-repeated";
    static final int KEPT_LATENCIES = 100_000;

    private final int subtask;
    private final ListAccumulator<String> latencies = new ListAccumulator<>();
    private final LongCounter sentBytes = new LongCounter();
    private final LongCounter receivedBytes = new LongCounter();
    private final LongCounter events = new LongCounter();
    private final ListAccumulator<String> weights = new ListAccumulator<>();
    private final LongCounter maxWaitReached = new LongCounter();
    private final LongCounter requestsRepeated = new LongCounter();
    private final ArrayList<Long> micros = new ArrayList<>();
    private volatile long lastMicros;

    ExchangeStats(RuntimeContext context, int subtask) {
        this.subtask = subtask;
        context.addAccumulator(LATENCIES, latencies);
        context.addAccumulator(SENT_BYTES, sentBytes);
        context.addAccumulator(RECEIVED_BYTES, receivedBytes);
        context.addAccumulator(EVENTS, events);
        context.addAccumulator(WEIGHTS, weights);
        context.addAccumulator(MAX_WAIT_REACHED, maxWaitReached);
        context.addAccumulator(REQUESTS_REPEATED, requestsRepeated);
        context.getMetricGroup().gauge("seedflowExchangeMicros", () -> lastMicros);
        context.getMetricGroup().gauge("seedflowMaxWaitReached", maxWaitReached::getLocalValue);
    }

    void sent(int bytes) {
        sentBytes.add(bytes);
        events.add(1);
    }

    /** A coordination request ran into Flink's RPC timeout unanswered and was sent again. */
    void requestTimedOut() {
        requestsRepeated.add(1);
    }

    void maxWaitReached() {
        maxWaitReached.add(1);
    }

    void received(long nanos, int bytes) {
        lastMicros = nanos / 1000;
        if (micros.size() < KEPT_LATENCIES) {
            micros.add(lastMicros);
        }
        receivedBytes.add(bytes);
    }

    /** Publishes the latencies ("subtask:µs,µs,…") and the final weights ("subtask:version:sha256"). */
    void finished(long version, String weightsSha256) {
        StringBuilder s = new StringBuilder().append(subtask).append(':');
        for (int i = 0; i < micros.size(); i++) {
            s.append(i == 0 ? "" : ",").append(micros.get(i));
        }
        latencies.add(s.toString());
        weights.add(subtask + ":" + version + ":" + weightsSha256);
    }
}
