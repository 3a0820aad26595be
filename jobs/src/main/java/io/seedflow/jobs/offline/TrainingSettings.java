package io.seedflow.jobs.offline;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.zo.ZoOptions;
import java.nio.file.Path;

/**
 * What an offline run needs besides the data: model, optimizer, budget, evaluation cadence, output folder and the
 * compute backend (AUTO: the GPU when one is usable).
 */
public record TrainingSettings(String modelId, ModelSpec model, ZoOptions zo, long steps, int batchSize,
        long initSeed, long dataSeed, long evalEvery, int evalExamples, Path outDir, boolean progressBar,
        BackendChoice backend) {
    public TrainingSettings(String modelId, ModelSpec model, ZoOptions zo, long steps, int batchSize, long initSeed,
            long dataSeed, long evalEvery, int evalExamples, Path outDir, boolean progressBar) {
        this(modelId, model, zo, steps, batchSize, initSeed, dataSeed, evalEvery, evalExamples, outDir, progressBar,
                BackendChoice.AUTO);
    }
}
