package io.seedflow.core.data;

/** Why a labeled example cannot be trained on; the dead-letter topic carries the name. */
public enum RejectionReason {
    /** The bytes could not be decoded at all (wire format, Avro). */
    UNDECODABLE,
    /** The record's schema id is not known to the registry. */
    UNKNOWN_SCHEMA_ID,
    /** The record is for a model this trainer does not train. */
    UNKNOWN_MODEL,
    /** No dense features where the model needs them. */
    MISSING_FEATURES,
    /** The feature vector has the wrong length. */
    WRONG_FEATURE_LENGTH,
    /** A feature is NaN or infinite. */
    NON_FINITE_FEATURE,
    /** The label is outside [0, classes). */
    LABEL_OUT_OF_RANGE,
    /** The event carries the other payload kind than the model takes (features for a text model, or text for one of features). */
    WRONG_PAYLOAD,
    /** The text is empty, blank, or has no token in the model's vocabulary. */
    EMPTY_TEXT,
    /** The text is longer than the configured limit ({@code seedflow.job.max-text-chars}). */
    TEXT_TOO_LONG,
    /** The text's bytes are not valid UTF-8. */
    INVALID_TEXT
}
