package io.seedflow.core.snapshot;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.List;
import java.util.Map;

/**
 * Full weights at a model version, with the safetensors {@code __metadata__} they were stored with. The snapshot id
 * is the SHA-256 of the file bytes ({@link #sha256()}).
 */
public record Snapshot(ParameterSet parameters, String modelId, long step, String modelSpec, String sha256,
        long sizeBytes, Map<String, String> metadata) {
    public Snapshot {
        metadata = Map.copyOf(metadata);
    }

    /**
     * Refuses a snapshot whose tensors are not, in name, shape and order, those its {@code seedflow.model-spec}
     * declares (update-log spec sections 1 and 8): tensor indices key the perturbations, so weights in another order
     * would replay into different weights without any other error. A snapshot without a model spec, or with an empty
     * one (written by another tool), has nothing to check against and passes.
     *
     * @return this snapshot
     * @throws SnapshotIntegrityException if the declared model spec is not a valid spec
     * @throws TensorShapeMismatchException naming the first tensor that differs, and both lists
     */
    public Snapshot requireTensorsOfModelSpec() {
        if (modelSpec == null || modelSpec.isEmpty()) {
            return this;
        }
        ModelSpec spec;
        try {
            spec = ModelSpecs.parse(modelSpec);
        } catch (InvalidConfigurationException | IllegalArgumentException e) {
            throw new SnapshotIntegrityException("snapshot " + sha256 + ": metadata " + SafetensorsFormat.KEY_MODEL_SPEC
                    + " '" + SafetensorsFormat.printable(modelSpec) + "' is not a model spec: " + e.getMessage(), e);
        }
        List<TensorSpec> expected = spec.tensorSpecs();
        List<TensorSpec> found = parameters.specs();
        if (found.equals(expected)) {
            return this;
        }
        int i = 0;
        while (i < Math.min(found.size(), expected.size()) && found.get(i).equals(expected.get(i))) {
            i++;
        }
        String first = i < found.size() && i < expected.size()
                ? "tensor " + i + " is " + found.get(i) + ", expected " + expected.get(i)
                : i < expected.size() ? "tensor " + i + " (" + expected.get(i) + ") is missing"
                : "tensor " + i + " (" + found.get(i) + ") is not part of the model";
        throw new TensorShapeMismatchException("snapshot " + sha256 + " does not hold the tensors of its model spec "
                + spec.toText() + ": " + first + "; expected " + expected + " in this order, got " + found);
    }
}
