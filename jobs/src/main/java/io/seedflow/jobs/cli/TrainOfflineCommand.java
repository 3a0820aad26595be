package io.seedflow.jobs.cli;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.NonFinitePolicy;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoVariant;
import io.seedflow.jobs.offline.BackpropOfflineTraining;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import io.seedflow.text.SpamAssassinTokens;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedflow train-offline}: ZO-SGD or backprop on Fashion-MNIST (an MLP), or ZO on the SpamAssassin corpus in
 * time order (an encoder, e.g. MiniLM), with a learning curve.
 */
@Command(name = "train-offline", mixinStandardHelpOptions = true,
        description = {"Train offline with ZO-SGD (writes base snapshot + update log) or backprop (MLP only).",
                "An MLP model trains on Fashion-MNIST; an encoder model (e.g. --model " + Defaults.TEXT_MODEL
                        + ") fine-tunes on the first 70% of the SpamAssassin mails in time order and is tested on "
                        + "the last 30% (accuracy and F1 with spam positive)."})
public final class TrainOfflineCommand implements Callable<Integer> {
    /** The algorithm to train with. */
    public enum Algorithm { zo, backprop }

    @Option(names = "--algorithm", defaultValue = "zo", description = "zo or backprop (default ${DEFAULT-VALUE}).")
    Algorithm algorithm;

    @Option(names = "--model", defaultValue = Defaults.MODEL, description = "Model spec (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--model-id", description = "Model id in records and snapshots (default fashion-mnist-mlp, or "
            + "spam-assassin-encoder for an encoder).")
    String modelId;

    @Option(names = "--steps", description = "Training steps (default " + Defaults.STEPS + "; " + Defaults.TEXT_STEPS
            + " for an encoder: one epoch of the training mails at batch " + Defaults.TEXT_BATCH + ").")
    Long steps;

    @Option(names = "--batch", description = "Mini-batch size (default " + Defaults.BATCH + "; " + Defaults.TEXT_BATCH
            + " for an encoder).")
    Integer batch;

    @Option(names = "--lr", description = "Learning rate (default: " + Defaults.ZO_LR + " for zo, "
            + Defaults.BACKPROP_LR + " for backprop, " + Defaults.TEXT_ZO_LR + " for zo on an encoder).")
    Double lr;

    @Option(names = "--epsilon", defaultValue = Defaults.EPSILON, description = "ZO perturbation scale (default ${DEFAULT-VALUE}).")
    float epsilon;

    @Option(names = "--perturbations", defaultValue = "1", description = "ZO perturbations per step, q (default ${DEFAULT-VALUE}).")
    int perturbations;

    @Option(names = "--weight-decay", defaultValue = "0", description = "Weight decay on rank>=2 tensors (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "0", description = "Clip |projected gradient| to this (0 = off).")
    double clip;

    @Option(names = "--schedule", defaultValue = Defaults.SCHEDULE, description = "constant, cosine or linear (default ${DEFAULT-VALUE}).")
    LearningRateSchedule schedule;

    @Option(names = "--final-lr-fraction", defaultValue = Defaults.FINAL_FRACTION, description = "Final lr / base lr for cosine/linear (default ${DEFAULT-VALUE}).")
    double finalFraction;

    @Option(names = "--warmup", defaultValue = "0", description = "Linear warm-up steps.")
    long warmup;

    @Option(names = "--variant", defaultValue = "SGD",
            description = "ZO variant: SGD (MeZO), SIGN, MOMENTUM or CONSERVATIVE (default ${DEFAULT-VALUE}).")
    ZoVariant variant;

    @Option(names = "--zo-momentum", defaultValue = "0.9", description = "Beta of --variant MOMENTUM (default ${DEFAULT-VALUE}).")
    double zoMomentum;

    @Option(names = "--momentum-terms", defaultValue = "32",
            description = "Past steps unrolled into each MOMENTUM record (default ${DEFAULT-VALUE}).")
    int momentumTerms;

    @Option(names = "--mask", defaultValue = "NONE", description = "Sparse mask inside trained matrices: NONE, MAGNITUDE "
            + "(Sparse MeZO: smallest |theta|) or RANDOM (default ${DEFAULT-VALUE}).")
    SparsityOptions.MaskKind mask;

    @Option(names = "--sparsity", defaultValue = "0", description = "Fraction of each trained matrix that is frozen, [0, 1).")
    double sparsity;

    @Option(names = "--mask-refresh", defaultValue = "1000",
            description = "Steps between threshold refreshes / random mask redraws, 0 = never (default ${DEFAULT-VALUE}).")
    long maskRefresh;

    @Option(names = "--trainable-tensors", split = ",", description = "Tensors to train (default: all), e.g. layers.1.weight,layers.1.bias.")
    List<String> trainableTensors = List.of();

    @Option(names = "--subspace-tensors", split = ",", description = "Parameter group for subspace denoising (default: off).")
    List<String> subspaceTensors = List.of();

    @Option(names = "--subspace-window", defaultValue = "64", description = "Subspace window tau (default ${DEFAULT-VALUE}).")
    int subspaceWindow;

    @Option(names = "--subspace-threshold", defaultValue = "0.001",
            description = "Variance share treated as noise, nu in (0, 1) (default ${DEFAULT-VALUE}).")
    double subspaceThreshold;

    @Option(names = "--head-learning-rate",
            description = "Train the head (last weight and bias) by its exact gradient at this rate, the body by ZO "
                    + "(ElasticZO; records carry the head delta, format 3); 0 = the head by ZO (default 0; "
                    + Defaults.TEXT_HEAD_LR + " for an encoder, the text study's best configuration).")
    Double headLearningRate;

    @Option(names = "--on-non-finite", defaultValue = "SKIP", description = "SKIP or FAIL on a non-finite loss.")
    NonFinitePolicy nonFinite;

    @Option(names = "--seed", defaultValue = "1", description = "Run seed: initialization, data order, perturbation seeds.")
    long seed;

    @Option(names = "--eval-every", defaultValue = "5000", description = "Evaluate on the test set every N steps.")
    long evalEvery;

    @Option(names = "--eval-examples", defaultValue = "10000", description = "Test examples per evaluation.")
    int evalExamples;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Backprop SGD momentum.")
    float momentum;

    @Option(names = "--backend", defaultValue = "AUTO",
            description = "Compute backend: AUTO (GPU when usable), CPU or GPU (default ${DEFAULT-VALUE}).")
    BackendChoice backend;

    @Option(names = "--data-dir", description = "Folder with the Fashion-MNIST IDX files (default data/fashion-mnist), or "
            + "for an encoder the SpamAssassin corpus (default data/spam-assassin).")
    Path dataDir;

    @Option(names = "--out", description = "Output folder (default runs/<algorithm>-<time>).")
    Path out;

    @Option(names = "--no-progress", description = "Print milestone lines instead of a progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        ModelSpec spec = ModelSpecs.parse(model);
        boolean text = spec.inputKind() == InputKind.TOKENS;
        if (text && algorithm == Algorithm.backprop) {
            throw new InvalidConfigurationException("--algorithm", algorithm, "zo for an encoder model (backprop "
                    + "trains the MLP only)");
        }
        long steps = this.steps != null ? this.steps : Long.parseLong(text ? Defaults.TEXT_STEPS : Defaults.STEPS);
        int batch = this.batch != null ? this.batch : Integer.parseInt(text ? Defaults.TEXT_BATCH : Defaults.BATCH);
        Path dir = out != null ? out : Path.of("runs", algorithm + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        LabeledDataset train;
        LabeledDataset test;
        if (text) {
            SpamAssassinTokens corpus = SpamAssassinTokens.load(dataDir != null ? dataDir
                    : SpamAssassinCorpus.defaultDir(), ((EncoderSpec) spec).maxTokens());
            train = corpus.train();
            test = corpus.test();
        } else {
            Path data = dataDir != null ? dataDir : FashionMnist.defaultDir();
            train = FashionMnist.train(data);
            test = FashionMnist.test(data);
        }
        double rate = lr != null ? lr : Double.parseDouble(algorithm == Algorithm.backprop ? Defaults.BACKPROP_LR
                : text ? Defaults.TEXT_ZO_LR : Defaults.ZO_LR);
        ZoOptions zo = ZoOptions.builder().learningRate(rate).epsilon(epsilon).perturbations(perturbations)
                .weightDecay(weightDecay).gradientClip(clip).schedule(schedule).totalSteps(steps).warmupSteps(warmup)
                .finalLearningRateFraction(finalFraction).nonFinitePolicy(nonFinite).runSeed(seed).variant(variant)
                .momentum(zoMomentum).momentumTerms(momentumTerms)
                .sparsity(new SparsityOptions(mask, sparsity, maskRefresh, trainableTensors))
                .subspace(new SubspaceOptions(subspaceTensors, subspaceWindow, subspaceThreshold))
                .headLearningRate(headLearningRate != null ? headLearningRate
                        : text ? Double.parseDouble(Defaults.TEXT_HEAD_LR) : 0).build();
        zo.checkModel(spec.tensorSpecs());
        String id = modelId != null ? modelId : text ? "spam-assassin-encoder" : "fashion-mnist-mlp";
        TrainingSettings s = new TrainingSettings(id, spec, zo, steps, batch, seed, seed,
                evalEvery, evalExamples, dir, !noProgress && System.console() != null, backend);
        System.out.printf("train-offline: %s on %s (%s, %d training examples), %d steps, batch %d, lr %s, %s CPU "
                + "kernels, out %s%n", algorithm, s.model(), train.name(), train.count(), steps, batch, rate,
                io.seedflow.core.model.Mlp.kernelName(), dir);
        ZoOfflineTraining.Result r = algorithm == Algorithm.zo ? ZoOfflineTraining.run(s, train, test)
                : BackpropOfflineTraining.run(s, train, test, momentum);
        Report.print(algorithm.name(), r);
        return 0;
    }
}
