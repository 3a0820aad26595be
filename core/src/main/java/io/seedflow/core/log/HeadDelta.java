package io.seedflow.core.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.tensor.TensorSpec;
import java.util.Arrays;
import java.util.List;

/**
 * The exact change of some tensors, carried whole in a format-3 update record (docs/update-log-spec.md §6.4): for
 * ElasticZO-style hybrid training the classifier head is trained with its exact gradient while the body is trained
 * by ZO, and the head's change travels in the record so that a replica applies it with one fp32 addition per element
 * ({@code theta = theta + delta}) and never recomputes a gradient.
 *
 * <p>{@code tensors} are tensor indices in strictly increasing order; {@code values[i]} holds one finite binary32
 * value per element of tensor {@code tensors[i]}, in the tensor's row-major element order. The arrays are copied
 * on construction and by the accessors, so an instance is immutable; equality compares the values' bits.
 */
public record HeadDelta(int[] tensors, float[][] values) {
    public HeadDelta {
        if (tensors == null || values == null) {
            throw new InvalidUpdateRecordException("head delta: tensors and values must not be null");
        }
        if (tensors.length == 0) {
            throw new InvalidUpdateRecordException("head delta: must name at least one tensor (use no head delta "
                    + "instead of an empty one)");
        }
        if (tensors.length != values.length) {
            throw new InvalidUpdateRecordException("head delta: " + tensors.length + " tensor indices but "
                    + values.length + " value arrays; each tensor needs exactly one");
        }
        tensors = tensors.clone();
        float[][] copy = new float[values.length][];
        for (int i = 0; i < tensors.length; i++) {
            int t = tensors[i];
            if (t < 0) {
                throw new InvalidUpdateRecordException("head delta: tensor index must be >= 0, got " + t);
            }
            if (i > 0 && t <= tensors[i - 1]) {
                throw new InvalidUpdateRecordException("head delta: tensor indices must be strictly increasing, got "
                        + tensors[i - 1] + " before " + t);
            }
            if (values[i] == null) {
                throw new InvalidUpdateRecordException("head delta of tensor " + t + ": values must not be null");
            }
            copy[i] = values[i].clone();
            for (int e = 0; e < copy[i].length; e++) {
                if (!Float.isFinite(copy[i][e])) {
                    throw new InvalidUpdateRecordException("head delta of tensor " + t + ": element " + e + " is "
                            + copy[i][e] + "; every delta must be finite");
                }
            }
        }
        values = copy;
    }

    /** A copy of the tensor indices. */
    @Override
    public int[] tensors() {
        return tensors.clone();
    }

    /** A copy of the values, one array per tensor. */
    @Override
    public float[][] values() {
        float[][] copy = new float[values.length][];
        for (int i = 0; i < values.length; i++) {
            copy[i] = values[i].clone();
        }
        return copy;
    }

    /** Number of tensors the delta changes. */
    public int size() {
        return tensors.length;
    }

    /** Tensor index of entry {@code i}. */
    public int tensor(int i) {
        return tensors[i];
    }

    /** Value {@code e} of entry {@code i}, without copying. */
    public float value(int i, int e) {
        return values[i][e];
    }

    /** Element count of entry {@code i}. */
    public int length(int i) {
        return values[i].length;
    }

    /** Total number of values, over all tensors. */
    public long valueCount() {
        long n = 0;
        for (float[] v : values) {
            n += v.length;
        }
        return n;
    }

    /**
     * Throws unless every entry names a tensor of the model and has exactly that tensor's element count; called
     * before any weight changes.
     */
    public void checkShapes(List<TensorSpec> specs, long step) {
        for (int i = 0; i < tensors.length; i++) {
            int t = tensors[i];
            if (t >= specs.size()) {
                throw new InvalidUpdateRecordException("step " + step + ": head delta names tensor " + t
                        + " but the model has " + specs.size() + " tensors (indices 0.." + (specs.size() - 1) + ")");
            }
            long expected = specs.get(t).elementCount();
            if (values[i].length != expected) {
                throw new InvalidUpdateRecordException("step " + step + ": head delta of tensor " + t + " ("
                        + specs.get(t).name() + ") has " + values[i].length + " values but the tensor has " + expected
                        + " elements");
            }
        }
    }

    /** Bitwise equality of indices and values (records compare arrays by reference otherwise). */
    @Override
    public boolean equals(Object o) {
        return o instanceof HeadDelta h && Arrays.equals(tensors, h.tensors) && Arrays.deepEquals(values, h.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tensors) + Arrays.deepHashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("HeadDelta[");
        for (int i = 0; i < tensors.length; i++) {
            sb.append(i == 0 ? "" : ", ").append("tensor ").append(tensors[i]).append(": ").append(values[i].length)
                    .append(" values");
        }
        return sb.append(']').toString();
    }
}
