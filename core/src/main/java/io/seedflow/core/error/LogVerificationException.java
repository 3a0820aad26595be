package io.seedflow.core.error;

/**
 * A replica that verifies the update log (a public key configured) refused what it read: a record that does not
 * continue the signed chain (altered, forged, reordered, dropped or spliced), a seal or announcement whose signature
 * does not verify with the key, or an unsigned one. Nothing was applied; the replica keeps its last verified version.
 */
public class LogVerificationException extends InvalidUpdateRecordException {
    public LogVerificationException(String message) {
        super(message);
    }
}
