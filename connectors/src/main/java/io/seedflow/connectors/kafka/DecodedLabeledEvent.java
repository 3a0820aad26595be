package io.seedflow.connectors.kafka;

/**
 * The fields of a {@code LabeledEvent} that training uses, as {@link LabeledEventReader} reads them: no boxing, no
 * copy. Exactly one payload is meant to be set (the schema's rule), but the reader reports what the record holds and
 * leaves judging it to the validator.
 *
 * @param modelId the model the event is for
 * @param label the class index, unchecked
 * @param denseFeatures the dense features as written (owned by the receiver, not copied), or null when absent
 * @param text the raw text payload, or null when absent
 */
public record DecodedLabeledEvent(String modelId, int label, float[] denseFeatures, String text) {
}
