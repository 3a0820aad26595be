package io.seedflow.core.sparse;

import io.seedflow.core.error.InvalidUpdateRecordException;
import java.util.List;

/**
 * The trained part of a model for one step: one {@link TensorMask} per trained tensor, in ascending tensor order.
 * A tensor without an entry is frozen (neither perturbed nor updated nor decayed). A step without an UpdateMask
 * trains every element of every tensor (format version 1).
 */
public record UpdateMask(List<TensorMask> tensors) {
    public UpdateMask {
        tensors = List.copyOf(tensors);
        if (tensors.isEmpty()) {
            throw new InvalidUpdateRecordException("an update mask must train at least one tensor");
        }
        for (int i = 1; i < tensors.size(); i++) {
            if (tensors.get(i).tensor() <= tensors.get(i - 1).tensor()) {
                throw new InvalidUpdateRecordException("update mask tensors must be in strictly ascending order, got "
                        + tensors.get(i - 1).tensor() + " before " + tensors.get(i).tensor());
            }
        }
    }

    /** The mask of tensor {@code t}, {@code null} when it is frozen. A null UpdateMask means dense everywhere. */
    public static TensorMask of(UpdateMask mask, int t) {
        if (mask == null) {
            return TensorMask.dense(t);
        }
        for (TensorMask m : mask.tensors) {
            if (m.tensor() == t) {
                return m;
            }
        }
        return null;
    }

    /** Throws if an entry names a tensor index the model does not have. */
    public void checkTensorCount(int tensorCount, long step) {
        TensorMask last = tensors.get(tensors.size() - 1);
        if (last.tensor() >= tensorCount) {
            throw new InvalidUpdateRecordException("step " + step + ": mask names tensor " + last.tensor()
                    + " but the model has " + tensorCount + " tensors");
        }
    }
}
