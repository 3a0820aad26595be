package io.seedflow.connectors.audit;

/**
 * One line of an audit report: which check, how bad, and what was found (naming the model, steps, offsets, hashes).
 * {@link Severity#FAIL} breaks a promise of the log (a fork, a gap, an event trained twice or lost, a replay that does
 * not match a snapshot); {@link Severity#WARN} is worth a look but can be normal (events not trained yet, a log whose
 * beginning went with retention); {@link Severity#OK} says a check passed and over what.
 */
public record Finding(Check check, Severity severity, String message) {
    /** What an audit checks. */
    public enum Check {
        /** Steps contiguous, one line of steps (no fork), every record on a known base. */
        STEPS,
        /** Every event offset trained or dead-lettered exactly once. */
        EVENTS,
        /** The log replayed from its first snapshot matches every snapshot it names or announces. */
        REPLAY,
        /** Records chained and signed. */
        SIGNATURES
    }

    public enum Severity {
        OK, WARN, FAIL
    }

    static Finding ok(Check check, String message) {
        return new Finding(check, Severity.OK, message);
    }

    static Finding warn(Check check, String message) {
        return new Finding(check, Severity.WARN, message);
    }

    static Finding fail(Check check, String message) {
        return new Finding(check, Severity.FAIL, message);
    }

    @Override
    public String toString() {
        return String.format("%-4s %-10s %s", severity, check.name().toLowerCase(java.util.Locale.ROOT), message);
    }
}
