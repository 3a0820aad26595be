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
 * @param eventsTrained events the trainer's steps trained on (its records, uncommitted included)
 * @param trainerStep the newest step the trainer wrote, -1 before the first
 * @param replicaVersion the replica's model version, -1 before it bootstrapped
 * @param newestEventAgeMillis how long ago the newest event in the replica's model was produced, if known
 * @param score how the model is scored, which picks the last columns
 * @param holdoutAccuracy the replica's accuracy on the holdout set, NaN before it bootstrapped or without a holdout
 * @param prequentialF1 the trainer's prequential F1 over its window (seedflowPrequentialF1), NaN before it has one
 * @param prequentialAccuracy the trainer's prequential accuracy over its window, NaN before it has one
 * @param jobStatus the Flink job's status, null if it could not be read
 * @param failure why the demo must stop, or null
 */
public record DemoStatus(Duration elapsed, long eventsProduced, long poisonSent, long deadLettered,
        long eventsTrained, long trainerStep, long replicaVersion, OptionalLong newestEventAgeMillis, Score score,
        double holdoutAccuracy, double prequentialF1, double prequentialAccuracy, JobStatus jobStatus,
        String failure) {
    private static final String FORMAT = "%7s %10s %7s %8s %9s %9s %7s %10s";

    /** How the model is scored on the status line. */
    public enum Score {
        /** The replica on a holdout set: one column. */
        HOLDOUT_ACCURACY("%9s  %s"),
        /** The trainer, test-then-train, over its window: F1 and accuracy. */
        PREQUENTIAL("%9s %9s  %s");

        private final String format;

        Score(String format) {
            this.format = format;
        }
    }

    /** Steps the replica is behind the trainer (uncommitted steps included), -1 if either has none yet. */
    public long lagSteps() {
        return trainerStep < 0 || replicaVersion < 0 ? -1 : Math.max(0, trainerStep - replicaVersion);
    }

    /** Column names for {@code score}, aligned with {@link #line()}. */
    public static String header(Score score) {
        String[] first = score == Score.HOLDOUT_ACCURACY ? new String[] {"holdout", "job"}
                : new String[] {"preq. F1", "preq. acc", "job"};
        String[] second = score == Score.HOLDOUT_ACCURACY ? new String[] {"accuracy", ""}
                : new String[] {"(window)", "(window)", ""};
        return String.format(FORMAT, "elapsed", "events", "poison", "dead-ltr", "trainer", "replica", "lag",
                "event age") + " " + String.format(score.format, (Object[]) first)
                + System.lineSeparator()
                + String.format(FORMAT, "", "produced", "sent", "(commit)", "step", "version", "(steps)",
                "(replica)") + " " + String.format(score.format, (Object[]) second);
    }

    /** The elapsed time as {@code m:ss}. */
    public String elapsedText() {
        long s = elapsed.toSeconds();
        return String.format("%d:%02d", s / 60, s % 60);
    }

    /** The status as one line under {@link #header(Score)}. */
    public String line() {
        String job = jobStatus == null ? "?" : jobStatus.toString();
        Object[] scores = score == Score.HOLDOUT_ACCURACY ? new Object[] {percent(holdoutAccuracy), job}
                : new Object[] {fraction(prequentialF1), percent(prequentialAccuracy), job};
        return String.format(FORMAT, elapsedText(), String.format("%,d", eventsProduced),
                String.format("%,d", poisonSent), String.format("%,d", deadLettered), orDash(trainerStep),
                orDash(replicaVersion), orDash(lagSteps()),
                newestEventAgeMillis.isPresent()
                        ? String.format("%.1f s", newestEventAgeMillis.getAsLong() / 1000.0) : "-")
                + " " + String.format(score.format, scores);
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.1f%%", 100 * v);
    }

    private static String fraction(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.3f", v);
    }

    private static String orDash(long v) {
        return v < 0 ? "-" : String.format("%,d", v);
    }
}
