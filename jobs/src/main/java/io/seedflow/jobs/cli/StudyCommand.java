package io.seedflow.jobs.cli;

import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.jobs.study.QualityStudy;
import io.seedflow.jobs.study.StudyMethod;
import io.seedflow.jobs.study.StudyRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code seedflow study}: the learning-quality study on a drifting Fashion-MNIST stream (docs/quality.md). */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = "Compare ZO-SGD, sparse masks, subspace denoising, the ZO variants and backprop on a Fashion-MNIST "
                + "stream whose labels are permuted halfway, at equal forward-pass budget; writes CSV, PNG and a "
                + "markdown table.")
public final class StudyCommand implements Callable<Integer> {
    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", description = "Seeds (default ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--methods", split = ",", description = "Subset of: zo-sgd, sparse-magnitude, sparse-random, subspace, "
            + "sparse+subspace, zo-sign, zo-momentum, zo-conservative, backprop (default: all).")
    List<String> methods;

    @Option(names = "--steps", defaultValue = "12000", description = "ZO-SGD steps; sets the forward budget (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "5e-4", description = "ZO learning rate (momentum uses lr/10) (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--sparsity", defaultValue = "0.8", description = "Sparsity of the sparse methods (default ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--subspace-window", defaultValue = "64", description = "Subspace window tau (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--subspace-threshold", defaultValue = "0.1", description = "Subspace variance threshold nu (default ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--model", defaultValue = Defaults.MODEL, description = "Model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--evaluations", defaultValue = "40", description = "Measurements per run (default ${DEFAULT-VALUE}).")
    int evaluations;

    @Option(names = "--eval-examples", defaultValue = "2000", description = "Test images per measurement (default ${DEFAULT-VALUE}).")
    int evalExamples;

    @Option(names = "--data-dir", description = "Fashion-MNIST folder (default data/fashion-mnist).")
    Path dataDir;

    @Option(names = "--out", defaultValue = "runs/study", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        Path data = dataDir != null ? dataDir : FashionMnist.defaultDir();
        LabeledDataset train = FashionMnist.train(data);
        LabeledDataset test = FashionMnist.test(data);
        QualityStudy.Settings settings = new QualityStudy.Settings(MlpSpec.parse(model), batch, steps, evaluations,
                evalExamples, 0.9);
        StudyRunner.run(new QualityStudy(settings, train, test), seeds, methods,
                seed -> StudyMethod.defaults(lr, window, threshold, sparsity, seed), out, System.out);
        return 0;
    }
}
