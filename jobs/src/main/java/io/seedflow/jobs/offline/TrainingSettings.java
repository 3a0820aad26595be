package io.seedflow.jobs.offline;

import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.zo.ZoOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What an offline run needs besides the data: model, optimizer, budget, evaluation cadence, output folder, the
 * compute backend (AUTO: the GPU when one is usable) and how the update log is written ({@link UpdateLogEncoding}:
 * format 4 by default, formats 1 to 3 with {@code FULL}).
 */
public record TrainingSettings(String modelId, ModelSpec model, ZoOptions zo, long steps, int batchSize,
        long initSeed, long dataSeed, long evalEvery, int evalExamples, Path outDir, boolean progressBar,
        BackendChoice backend, UpdateLogEncoding logEncoding) {
    public TrainingSettings {
        Objects.requireNonNull(logEncoding, "log encoding");
    }

    public TrainingSettings(String modelId, ModelSpec model, ZoOptions zo, long steps, int batchSize, long initSeed,
            long dataSeed, long evalEvery, int evalExamples, Path outDir, boolean progressBar) {
        this(modelId, model, zo, steps, batchSize, initSeed, dataSeed, evalEvery, evalExamples, outDir, progressBar,
                BackendChoice.AUTO, UpdateLogEncoding.COMPACT);
    }
}
