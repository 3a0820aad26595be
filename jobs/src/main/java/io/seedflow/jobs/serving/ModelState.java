package io.seedflow.jobs.serving;

import io.seedflow.core.tensor.ParameterSet;

/**
 * One consistent view of a served model, valid only inside {@link ServedModel#read}: the live {@code weights} are
 * at {@code version}, loaded from snapshot {@code snapshotId} at {@code bootstrapStep} and laid out by
 * {@code modelSpec} (e.g. {@code mlp:784x64x10:relu}).
 */
public record ModelState(String modelId, long version, String modelSpec, String snapshotId, long bootstrapStep,
        ParameterSet weights) {
}
