package io.seedflow.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.replica.NoSnapshotAvailableException;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.error.UpdateLogGapException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServingMetricsTest {
    @Test
    void refusalsAreCountedByExceptionAndSignedLogFailuresOnTheirOwn() {
        ServingMetrics metrics = new ServingMetrics();
        metrics.onError(new LogVerificationException("model 'm': the seal of step 3 does not verify"));
        metrics.onError(new UpdateLogGapException("m", 4, 6));
        metrics.onError(new NoSnapshotAvailableException("no snapshot")); // not a refusal
        String text = new String(metrics.scrape(null).body(), StandardCharsets.UTF_8);
        assertThat(text).contains("seedflow_replica_log_verification_failures_total 1.0")
                .contains("seedflow_replica_refused_records_total{reason=\"LogVerificationException\"} 1.0")
                .contains("seedflow_replica_refused_records_total{reason=\"UpdateLogGapException\"} 1.0")
                .doesNotContain("reason=\"NoSnapshotAvailableException\"");
    }

    @Test
    void rollbacksAreCounted() {
        ServingMetrics metrics = new ServingMetrics();
        metrics.onRolledBack(new io.seedflow.core.log.ModelRollback("m", 9, 5, "w", "file:///s", "s", 1, 1, ""));
        assertThat(new String(metrics.scrape(null).body(), StandardCharsets.UTF_8))
                .contains("seedflow_replica_rollbacks_total 1.0");
    }
}
