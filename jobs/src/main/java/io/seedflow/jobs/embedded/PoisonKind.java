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
 * job's decode stage must give it. {@link #make} turns a valid event into the poison record's bytes.
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
    LABEL_OUT_OF_RANGE(RejectionReason.LABEL_OUT_OF_RANGE);

    /** A schema id far above what the embedded registry hands out (it counts from 1). */
    static final int UNKNOWN_SCHEMA_ID_VALUE = 987_654_321;

    private final RejectionReason expectedReason;

    PoisonKind(RejectionReason expectedReason) {
        this.expectedReason = expectedReason;
    }

    /** The reason the decode stage must dead-letter this kind with. */
    public RejectionReason expectedReason() {
        return expectedReason;
    }

    /** The kind of the {@code n}-th poison record (0-based): the kinds take turns. */
    public static PoisonKind nth(long n) {
        PoisonKind[] all = values();
        return all[(int) (n % all.length)];
    }

    /**
     * The poison record's value bytes, made from {@code valid} (not modified) with {@code encoder} (the valid wire
     * encoding) and {@code classes}, the model's class count.
     */
    byte[] make(LabeledEvent valid, Function<LabeledEvent, byte[]> encoder, int classes) {
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
                e.setLabel(classes);
                return encoder.apply(e);
            default:
                throw new AssertionError(this);
        }
    }
}
