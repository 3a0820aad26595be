package io.seedflow.jobs.serving;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.seedflow.connectors.replica.ModelListener;
import io.seedflow.connectors.replica.NoSnapshotAvailableException;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.error.SeedFlowException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What a serving replica reports on {@code GET /metrics}, in the Prometheus exposition formats (Prometheus' own Java
 * client, {@code prometheus-metrics-core}): the model version it serves, the newest step it has seen in the log and how
 * far behind that it is, whether it follows the log, how long applying a record takes, the records it refused (the
 * replica's verification failures: out of order, a gap no snapshot covers, an invalid or unresolvable record, a
 * snapshot that does not verify), and the requests per endpoint and status code with their latency. A
 * {@link ModelListener} of the replica's subscriber (register it before the subscriber starts) feeds the replica's
 * side; the {@link PredictionServer} feeds the requests. Each server has its own registry.
 */
public final class ServingMetrics implements ModelListener {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final Counter applied = Counter.builder().name("seedflow_replica_updates_applied_total")
            .help("Update records applied to the served weights").register(registry);
    private final Histogram applySeconds = Histogram.builder().name("seedflow_replica_apply_seconds")
            .help("Time to apply one update record to the served weights").classicOnly()
            .classicExponentialUpperBounds(1e-5, 4, 10).register(registry);
    private final Counter bootstraps = Counter.builder().name("seedflow_replica_bootstraps_total")
            .help("Loads of a snapshot as the served weights (the first and every re-bootstrap)").register(registry);
    private final Counter rollbacks = Counter.builder().name("seedflow_replica_rollbacks_total")
            .help("Rollbacks applied: the served weights returned to those of an earlier version").register(registry);
    private final Counter refused = Counter.builder().name("seedflow_replica_refused_records_total")
            .help("Records or snapshots the replica refused (verification failures), by exception")
            .labelNames("reason").register(registry);
    private final Counter verificationFailures = Counter.builder()
            .name("seedflow_replica_log_verification_failures_total")
            .help("Signed-log checks that failed (docs/update-log-spec.md §10): a seal or announcement not signed with the "
                    + "configured key, records that do not end in a seal's chain link; the replica then stops")
            .register(registry);
    private final Counter requests = Counter.builder().name("seedflow_serving_requests_total")
            .help("HTTP requests answered, by endpoint and status code").labelNames("endpoint", "code")
            .register(registry);
    private final Counter errors = Counter.builder().name("seedflow_serving_request_errors_total")
            .help("HTTP requests answered with a 4xx or 5xx status").register(registry);
    private final Counter predictRequests = Counter.builder().name("seedflow_serving_prediction_requests_total")
            .help("Prediction requests (/v1/predict and /v2 infer) answered with 200").register(registry);
    private final Counter predictions = Counter.builder().name("seedflow_serving_predictions_total")
            .help("Examples predicted (a batch request counts each of its examples)").register(registry);
    private final Histogram requestSeconds = Histogram.builder().name("seedflow_serving_request_seconds")
            .help("Time to answer an HTTP request, by endpoint").labelNames("endpoint").classicOnly()
            .classicExponentialUpperBounds(1e-4, 4, 10).register(registry);

    /** Reports {@code model}'s version, newest step seen, lag and whether it follows its log. */
    void watch(ServedModel model) {
        GaugeWithCallback.builder().name("seedflow_replica_model_version").labelNames("model")
                .help("The model version served (the step of the newest applied record); -1 before the first "
                        + "bootstrap")
                .callback(cb -> cb.call(version(model), model.modelId())).register(registry);
        GaugeWithCallback.builder().name("seedflow_replica_newest_step").labelNames("model")
                .help("The newest step of the model seen in the log, applied or not")
                .callback(cb -> cb.call(model.newestStep(), model.modelId())).register(registry);
        GaugeWithCallback.builder().name("seedflow_replica_steps_behind").labelNames("model")
                .help("Steps seen in the log but not applied to the served weights")
                .callback(cb -> cb.call(Math.max(0, model.newestStep() - version(model)), model.modelId()))
                .register(registry);
        GaugeWithCallback.builder().name("seedflow_replica_following").labelNames("model")
                .help("1 while the served weights follow the log, 0 once they stopped (see the refusals)")
                .callback(cb -> cb.call(model.following() ? 1 : 0, model.modelId())).register(registry);
    }

    private static long version(ServedModel model) {
        return model.read(ModelState::version).orElse(-1L);
    }

    @Override
    public void onApplied(long version, long applyNanos) {
        applied.inc();
        applySeconds.observe(applyNanos / 1e9);
    }

    @Override
    public void onRolledBack(io.seedflow.core.log.ModelRollback rollback) {
        rollbacks.inc();
    }

    @Override
    public void onBootstrap(long step, String snapshotId) {
        bootstraps.inc();
    }

    @Override
    public void onError(Exception error) {
        if (error instanceof SeedFlowException && !(error instanceof NoSnapshotAvailableException)) {
            // a refusal; no snapshot to start from, or a Kafka or registry failure, is not one
            refused.labelValues(error.getClass().getSimpleName()).inc();
        }
        if (error instanceof LogVerificationException) {
            verificationFailures.inc();
        }
    }

    void request(String endpoint, int code, long nanos) {
        requests.labelValues(endpoint, Integer.toString(code)).inc();
        requestSeconds.labelValues(endpoint).observe(nanos / 1e9);
        if (code >= 400) {
            errors.inc();
        }
    }

    void prediction(int examples) {
        predictRequests.inc();
        predictions.inc(examples);
    }

    long predictRequests() {
        return predictRequests.getLongValue();
    }

    long predictions() {
        return predictions.getLongValue();
    }

    long errors() {
        return errors.getLongValue();
    }

    /** A scrape in the format {@code accept} (an HTTP Accept header, or null) asks for: the body and its type. */
    Scrape scrape(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Scrape(writer.getContentType(), out.toByteArray());
    }

    /** One scrape's body and its content type. */
    record Scrape(String contentType, byte[] body) {
    }
}
