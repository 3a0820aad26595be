package io.seedflow.jobs.embedded;

import java.time.Duration;
import java.util.OptionalLong;
import org.apache.flink.api.common.JobStatus;

/**
 * One sample of the demo's state, and its status line.
 *
 * @param elapsed time since the demo started
 * @param eventsProduced valid events the broker acknowledged
 * @param poisonSent poison records the broker acknowledged
 * @param deadLettered records on the dead-letter topic (committed)
 * @param trainerStep the newest step the trainer wrote, -1 before the first
 * @param replicaVersion the replica's model version, -1 before it bootstrapped
 * @param newestEventAgeMillis how long ago the newest event in the replica's model was produced, if known
 * @param holdoutAccuracy the replica's accuracy on the holdout set, NaN before it bootstrapped
 * @param jobStatus the Flink job's status, null if it could not be read
 * @param failure why the demo must stop, or null
 */
public record DemoStatus(Duration elapsed, long eventsProduced, long poisonSent, long deadLettered, long trainerStep,
        long replicaVersion, OptionalLong newestEventAgeMillis, double holdoutAccuracy, JobStatus jobStatus,
        String failure) {
    private static final String FORMAT = "%7s %10s %7s %8s %9s %9s %7s %10s %9s  %s";

    /** Steps the replica is behind the trainer (uncommitted steps included), -1 if either has none yet. */
    public long lagSteps() {
        return trainerStep < 0 || replicaVersion < 0 ? -1 : Math.max(0, trainerStep - replicaVersion);
    }

    /** Column names, aligned with {@link #line()}. */
    public static String header() {
        return String.format(FORMAT, "elapsed", "events", "poison", "dead-ltr", "trainer", "replica", "lag",
                "event age", "holdout", "job")
                + System.lineSeparator()
                + String.format(FORMAT, "", "produced", "sent", "(commit)", "step", "version", "(steps)",
                "(replica)", "accuracy", "");
    }

    /** The elapsed time as {@code m:ss}. */
    public String elapsedText() {
        long s = elapsed.toSeconds();
        return String.format("%d:%02d", s / 60, s % 60);
    }

    /** The status as one line under {@link #header()}. */
    public String line() {
        return String.format(FORMAT, elapsedText(), String.format("%,d", eventsProduced),
                String.format("%,d", poisonSent), String.format("%,d", deadLettered), orDash(trainerStep),
                orDash(replicaVersion), orDash(lagSteps()),
                newestEventAgeMillis.isPresent()
                        ? String.format("%.1f s", newestEventAgeMillis.getAsLong() / 1000.0) : "-",
                Double.isNaN(holdoutAccuracy) ? "-" : String.format("%.1f%%", 100 * holdoutAccuracy),
                jobStatus == null ? "?" : jobStatus.toString());
    }

    private static String orDash(long v) {
        return v < 0 ? "-" : String.format("%,d", v);
    }
}
