package io.seedflow.jobs.cli;

import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.jobs.study.text.TextStudy;
import io.seedflow.jobs.study.text.TextStudyRunner;
import io.seedflow.jobs.study.QualityStudy;
import io.seedflow.jobs.study.StudyMethod;
import io.seedflow.jobs.study.StudyRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedflow study}: the learning-quality studies (docs/quality.md): the MLP on a drifting Fashion-MNIST
 * stream, or, with an encoder model, the pretrained encoder on the SpamAssassin corpus in time order.
 */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = {"MLP model (default): compare ZO-SGD, sparse masks, subspace denoising, the ZO variants and "
                + "backprop on a Fashion-MNIST stream whose labels are permuted halfway, at equal forward-pass budget.",
                "Encoder model (e.g. --model " + Defaults.TEXT_MODEL + "): fine-tune it on the SpamAssassin corpus "
                + "in time order, offline (first 70%% train, last 30%% test) and prequential (test-then-train), F1 with "
                + "spam positive. Both write CSV, PNG and a markdown table."})
public final class StudyCommand implements Callable<Integer> {
    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", description = "Seeds (default ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--methods", split = ",", description = "Subset of: zo-sgd, sparse-magnitude, sparse-random, subspace, "
            + "sparse+subspace, zo-sign, zo-momentum, zo-conservative, backprop (default: all); for an encoder, "
            + "view/method pairs: offline/{untrained-head, linear-probe, mezo-all, mezo-no-embeddings, sparse-mezo, "
            + "subspace, hybrid}, prequential/{zero-shot (the initial head, never trained), frozen-after-70, head-only, "
            + "hybrid, hybrid-top1 (ZO on the top block "
            + "only), full-zo, lora-r8, lora-r4 (the exact head and ZO on rank-8/4 LoRA adapters of the query and value "
            + "projections, the ZO rate chosen on the validation slice)}.")
    List<String> methods;

    @Option(names = "--class-descriptions", split = "\\|", description = "For an encoder whose spec ends in :cosine: one "
            + "description per class in class order, '|'-separated (e.g. \"a personal or work email|unsolicited bulk "
            + "advertising email\"); every run's head starts as 20 x their unit-length embeddings (prototypes), and "
            + "prequential/zero-shot scores them untrained.")
    List<String> classDescriptions;

    @Option(names = "--steps", defaultValue = "12000", description = "ZO-SGD steps; sets the forward budget (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", description = "Batch size (default: seedflow.trainer.batch-size's; " + Defaults.TEXT_BATCH
            + " for an encoder).")
    Integer batch;

    @Option(names = "--lr", description = "ZO learning rate (momentum uses lr/10) (default: seedflow.zo.learning-rate's; "
            + Defaults.TEXT_ZO_LR
            + " for an encoder).")
    Double lr;

    @Option(names = "--epsilon", description = "ZO perturbation scale (default: seedflow.zo.epsilon's).")
    Float epsilon;

    @Option(names = "--head-learning-rate", description = "Encoder: learning rate of the exact-gradient head (default: "
            + "the linear probe's, chosen on a time-ordered validation slice).")
    Double headLearningRate;

    @Option(names = "--sparsity", defaultValue = "0.8", description = "Sparsity of the sparse methods (default ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--subspace-tensors", split = ",", defaultValue = Defaults.TEXT_SUBSPACE_TENSORS,
            description = "Encoder: the subspace method's parameter group (default ${DEFAULT-VALUE}).")
    List<String> subspaceTensors;

    @Option(names = "--subspace-window", description = "Subspace window tau (default: seedflow.zo.subspace.window's; "
            + Defaults.TEXT_SUBSPACE_WINDOW + " for an encoder).")
    Integer window;

    @Option(names = "--subspace-threshold", defaultValue = "0.1", description = "Subspace variance threshold nu (default ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--model", defaultValue = Defaults.MODEL, description = "Model: an MLP (Fashion-MNIST) or an encoder "
            + "(SpamAssassin), e.g. " + Defaults.TEXT_MODEL + " (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--evaluations", defaultValue = "40", description = "Measurements per run (default ${DEFAULT-VALUE}).")
    int evaluations;

    @Option(names = "--eval-examples", defaultValue = "2000", description = "Test images per measurement (default ${DEFAULT-VALUE}).")
    int evalExamples;

    @Option(names = "--data-dir", description = "Fashion-MNIST folder (default data/fashion-mnist), or for an encoder the "
            + "SpamAssassin folder (default data/spam-assassin).")
    Path dataDir;

    @Option(names = "--out", defaultValue = "runs/study", description = "Output folder (default ${DEFAULT-VALUE}; "
            + "runs/study-text for an encoder).")
    Path out;

    @Override
    public Integer call() {
        ModelSpec spec = ModelSpecs.parse(model);
        if (spec.inputKind() == InputKind.TOKENS) {
            return textStudy(EncoderSpec.parse(model)); // the text study is the encoder family's research command
        }
        int batch = this.batch != null ? this.batch : TrainerSettings.BATCH_SIZE.defaultValue().orElseThrow();
        double lr = this.lr != null ? this.lr : TrainerSettings.LEARNING_RATE.defaultValue().orElseThrow();
        int window = this.window != null ? this.window : TrainerSettings.SUBSPACE_WINDOW.defaultValue().orElseThrow();
        Path data = dataDir != null ? dataDir : FashionMnist.defaultDir();
        LabeledDataset train = FashionMnist.train(data);
        LabeledDataset test = FashionMnist.test(data);
        QualityStudy.Settings settings = new QualityStudy.Settings(MlpSpec.parse(model), batch, steps, evaluations,
                evalExamples, 0.9);
        StudyRunner.run(new QualityStudy(settings, train, test), seeds, methods,
                seed -> StudyMethod.defaults(lr, window, threshold, sparsity, seed), out, System.out);
        return 0;
    }

    private int textStudy(EncoderSpec spec) {
        List<TextStudyRunner.Job> jobs = methods == null ? TextStudyRunner.Job.all()
                : methods.stream().map(TextStudyRunner.Job::parse).toList();
        TextStudy.Settings settings = new TextStudy.Settings(spec,
                batch != null ? batch : Defaults.TEXT_BATCH,
                lr != null ? lr : Defaults.TEXT_ZO_LR,
                epsilon != null ? epsilon : TrainerSettings.EPSILON.defaultValue().orElseThrow(), sparsity, subspaceTensors,
                window != null ? window : Defaults.TEXT_SUBSPACE_WINDOW, threshold,
                headLearningRate, classDescriptions != null ? classDescriptions : List.of());
        if (headLearningRate != null && !(headLearningRate > 0)) {
            throw new InvalidConfigurationException("--head-learning-rate", headLearningRate, "must be > 0");
        }
        TextStudyRunner.run(settings, dataDir != null ? dataDir : SpamAssassinCorpus.defaultDir(), jobs, seeds,
                out.toString().equals("runs/study") ? Path.of("runs", "study-text") : out, System.out);
        return 0;
    }
}
