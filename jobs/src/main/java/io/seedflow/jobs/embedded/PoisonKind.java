package io.seedflow.jobs.embedded;

import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.core.data.RejectionReason;
import io.seedflow.schemas.LabeledEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The kinds of bad record the demo's producer slips into the event stream, each with the dead-letter reason the
 * job's decode stage must give it. {@link #make} turns a valid event into the poison record's bytes. {@link #DENSE}
 * are the kinds for a model of dense features (made from an image event), {@link #TEXT} those for a text model (made
 * from a text event).
 */
public enum PoisonKind {
    /** Bytes that are not the Confluent wire format at all. */
    GARBAGE_BYTES(RejectionReason.UNDECODABLE),
    /** A valid record whose header names a schema id the registry never issued. */
    UNKNOWN_SCHEMA_ID(RejectionReason.UNKNOWN_SCHEMA_ID),
    /** A well-formed event with one pixel too few. */
    WRONG_FEATURE_LENGTH(RejectionReason.WRONG_FEATURE_LENGTH),
    /** A well-formed event with a NaN pixel. */
    NAN_FEATURE(RejectionReason.NON_FINITE_FEATURE),
    /** A well-formed event whose label is one past the last class. */
    LABEL_OUT_OF_RANGE(RejectionReason.LABEL_OUT_OF_RANGE),
    /** A text event whose text is empty. */
    EMPTY_TEXT(RejectionReason.EMPTY_TEXT),
    /** A text event one char longer than the job accepts ({@code seedflow.job.max-text-chars}). */
    OVERSIZED_TEXT(RejectionReason.TEXT_TOO_LONG),
    /** A text event whose text bytes are not UTF-8 (one byte of the encoded text replaced by 0xFF). */
    INVALID_UTF8(RejectionReason.INVALID_TEXT),
    /** Dense features instead of text, sent to a text model. */
    FEATURES_FOR_TEXT(RejectionReason.WRONG_PAYLOAD);

    /** The kinds for a model of dense features. */
    public static final List<PoisonKind> DENSE = List.of(GARBAGE_BYTES, UNKNOWN_SCHEMA_ID, WRONG_FEATURE_LENGTH,
            NAN_FEATURE, LABEL_OUT_OF_RANGE);
    /** The kinds for a text model. */
    public static final List<PoisonKind> TEXT = List.of(GARBAGE_BYTES, UNKNOWN_SCHEMA_ID, EMPTY_TEXT, OVERSIZED_TEXT,
            INVALID_UTF8, FEATURES_FOR_TEXT, LABEL_OUT_OF_RANGE);

    /** A schema id far above what the embedded registry hands out (it counts from 1). */
    static final int UNKNOWN_SCHEMA_ID_VALUE = 987_654_321;
    /** The text of an {@link #INVALID_UTF8} record before its marker byte is replaced. */
    private static final String INVALID_UTF8_MARKER = "#not-utf-8#";

    private final RejectionReason expectedReason;

    PoisonKind(RejectionReason expectedReason) {
        this.expectedReason = expectedReason;
    }

    /** The reason the decode stage must dead-letter this kind with. */
    public RejectionReason expectedReason() {
        return expectedReason;
    }

    /** The kind of the {@code n}-th poison record (0-based) among {@code kinds}: they take turns. */
    public static PoisonKind nth(List<PoisonKind> kinds, long n) {
        return kinds.get((int) (n % kinds.size()));
    }

    /**
     * The poison record's value bytes, made from {@code valid} (not modified) with {@code encoder} (the valid wire
     * encoding) and the limits of the model the stream is for.
     */
    byte[] make(LabeledEvent valid, Function<LabeledEvent, byte[]> encoder, Limits limits) {
        LabeledEvent e = LabeledEvent.newBuilder(valid).setEventId(valid.getEventId() + "-poison-" + name()).build();
        switch (this) {
            case GARBAGE_BYTES:
                return ("not a labeled event: " + e.getEventId()).getBytes(StandardCharsets.UTF_8);
            case UNKNOWN_SCHEMA_ID: {
                byte[] bytes = encoder.apply(e).clone();
                ConfluentWireFormat.writeHeader(UNKNOWN_SCHEMA_ID_VALUE, bytes);
                return bytes;
            }
            case WRONG_FEATURE_LENGTH: {
                List<Float> x = new ArrayList<>(e.getDenseFeatures());
                x.remove(x.size() - 1);
                e.setDenseFeatures(x);
                return encoder.apply(e);
            }
            case NAN_FEATURE: {
                List<Float> x = new ArrayList<>(e.getDenseFeatures());
                x.set(x.size() / 2, Float.NaN);
                e.setDenseFeatures(x);
                return encoder.apply(e);
            }
            case LABEL_OUT_OF_RANGE:
                e.setLabel(limits.classes());
                return encoder.apply(e);
            case EMPTY_TEXT:
                e.setText("");
                return encoder.apply(e);
            case OVERSIZED_TEXT:
                e.setText("x".repeat(limits.maxTextChars() + 1));
                return encoder.apply(e);
            case INVALID_UTF8:
                e.setText(INVALID_UTF8_MARKER);
                return withByteReplaced(encoder.apply(e), INVALID_UTF8_MARKER.getBytes(StandardCharsets.UTF_8));
            case FEATURES_FOR_TEXT:
                e.setText(null);
                e.setDenseFeatures(List.of(0f, 1f, 2f));
                return encoder.apply(e);
            default:
                throw new AssertionError(this);
        }
    }

    /** {@code bytes} with the first byte of the last occurrence of {@code marker} set to 0xFF, never UTF-8. */
    private static byte[] withByteReplaced(byte[] bytes, byte[] marker) {
        byte[] out = bytes.clone();
        for (int i = out.length - marker.length; i >= 0; i--) {
            if (java.util.Arrays.equals(out, i, i + marker.length, marker, 0, marker.length)) {
                out[i] = (byte) 0xFF;
                return out;
            }
        }
        throw new IllegalStateException("the encoded event does not hold its text " + new String(marker,
                StandardCharsets.UTF_8));
    }

    /**
     * What the poison records are measured against: the model's class count (for the out-of-range label) and the
     * longest text the job accepts (for the oversized text).
     */
    public record Limits(int classes, int maxTextChars) {
    }
}
