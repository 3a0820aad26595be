package io.seedflow.core.data;

/** A refused example: the machine-readable reason and a message naming the value found and what was expected. */
public record Rejection(RejectionReason reason, String message) {
}
