package io.seedflow.jobs.cli;

import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.jobs.offline.BackpropOfflineTraining;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import io.seedflow.text.SpamAssassinTokens;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Locale;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/**
 * {@code seedflow train-offline}: ZO-SGD or backprop on Fashion-MNIST (an MLP), or ZO on the SpamAssassin corpus in
 * time order (an encoder, e.g. MiniLM), with a learning curve.
 */
@Command(name = "train-offline", mixinStandardHelpOptions = true, modelTransformer = SettingFlags.Transformer.class,
        description = {"Train offline with ZO-SGD (writes base snapshot + update log) or backprop (MLP only).",
                "An MLP model trains on Fashion-MNIST; an encoder model (e.g. --model " + Defaults.TEXT_MODEL
                        + ") fine-tunes on the first 70%% of the SpamAssassin mails in time order and is tested on "
                        + "the last 30%% (accuracy and F1 with spam positive)."})
public final class TrainOfflineCommand implements Callable<Integer>, SettingFlags.Holder {
    /** The algorithm to train with. */
    public enum Algorithm { zo, backprop }

    /**
     * The trainer settings train-offline takes as flags, with the offline recipe's defaults where they differ from
     * the streaming ones: a cosine schedule over the run, batch 512 for the MLP; for an encoder the text study's
     * batch 16, ZO rate 1e-5 and exact head at rate 3 ({@link Defaults}).
     */
    static final SettingFlags FLAGS = SettingFlags.of(List.of(TrainerSettings.MODEL_SPEC,
                    TrainerSettings.BATCH_SIZE, TrainerSettings.LEARNING_RATE, TrainerSettings.EPSILON,
                    TrainerSettings.PERTURBATIONS, TrainerSettings.WEIGHT_DECAY, TrainerSettings.GRADIENT_CLIP,
                    TrainerSettings.SCHEDULE, TrainerSettings.FINAL_LEARNING_RATE_FRACTION,
                    TrainerSettings.WARMUP_STEPS, TrainerSettings.VARIANT, TrainerSettings.MOMENTUM,
                    TrainerSettings.MOMENTUM_TERMS, TrainerSettings.SPARSE_MASK, TrainerSettings.SPARSITY,
                    TrainerSettings.SPARSE_REFRESH, TrainerSettings.TRAINABLE_TENSORS,
                    TrainerSettings.SUBSPACE_TENSORS, TrainerSettings.SUBSPACE_WINDOW,
                    TrainerSettings.SUBSPACE_THRESHOLD, TrainerSettings.HEAD_LEARNING_RATE,
                    TrainerSettings.NON_FINITE_POLICY, TrainerSettings.COMPUTE_BACKEND))
            .withOldSpellings()
            .defaultValue(TrainerSettings.SCHEDULE, Defaults.SCHEDULE)
            .defaultNote(TrainerSettings.BATCH_SIZE, Defaults.BATCH + "; " + Defaults.TEXT_BATCH + " for an encoder")
            .defaultNote(TrainerSettings.LEARNING_RATE, TrainerSettings.LEARNING_RATE.defaultText() + " for zo, "
                    + Defaults.BACKPROP_LR + " for backprop, " + Defaults.TEXT_ZO_LR + " for zo on an encoder")
            .defaultNote(TrainerSettings.HEAD_LEARNING_RATE, "0; " + Defaults.TEXT_HEAD_LR
                    + " for an encoder, the text study's best configuration");

    @Override
    public SettingFlags settingFlags() {
        return FLAGS;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--algorithm", defaultValue = "zo", description = "zo or backprop (default ${DEFAULT-VALUE}).")
    Algorithm algorithm;

    @Option(names = "--model-id", description = "Model id in records and snapshots (default fashion-mnist-mlp, or "
            + "spam-assassin-encoder for an encoder).")
    String modelId;

    @Option(names = "--steps", description = "Training steps (default " + Defaults.STEPS + "; " + Defaults.TEXT_STEPS
            + " for an encoder: one epoch of the training mails at batch " + Defaults.TEXT_BATCH + ").")
    Long steps;

    @Option(names = "--seed", defaultValue = "1", description = "Run seed: initialization, data order, perturbation seeds.")
    long seed;

    @Option(names = "--eval-every", defaultValue = "5000", description = "Evaluate on the test set every N steps.")
    long evalEvery;

    @Option(names = "--eval-examples", defaultValue = "10000", description = "Test examples per evaluation.")
    int evalExamples;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Backprop SGD momentum.")
    float momentum;

    @Option(names = "--data-dir", description = "Folder with the Fashion-MNIST IDX files (default data/fashion-mnist), or "
            + "for an encoder the SpamAssassin corpus (default data/spam-assassin).")
    Path dataDir;

    @Option(names = "--out", description = "Output folder (default runs/<algorithm>-<time>).")
    Path out;

    @Option(names = "--no-progress", description = "Print milestone lines instead of a progress bar.")
    boolean noProgress;

    @Option(names = "--log-encoding", paramLabel = "compact|full", description = "How DIR/updates.avro is written: "
            + "compact (update-log format 4, CompactModelUpdate records; the default) or full (formats 1 to 3, "
            + "ModelUpdate records with the monitoring fields, for replicas that predate format 4). zo only.")
    UpdateLogEncoding logEncoding;

    @Override
    public Integer call() {
        SettingFlags.Values v = FLAGS.read(spec);
        ModelSpec spec = ModelSpecs.parse(v.get(TrainerSettings.MODEL_SPEC));
        boolean text = spec.inputKind() == InputKind.TOKENS;
        if (text && algorithm == Algorithm.backprop) {
            throw new InvalidConfigurationException("--algorithm", algorithm, "zo for an encoder model (backprop "
                    + "trains the MLP only)");
        }
        if (logEncoding != null && algorithm == Algorithm.backprop) {
            throw new InvalidConfigurationException("--log-encoding", logEncoding.name().toLowerCase(Locale.ROOT),
                    "only with --algorithm zo (backprop writes no update log)");
        }
        long steps = this.steps != null ? this.steps : text ? Defaults.TEXT_STEPS : Defaults.STEPS;
        if (steps < 1) {
            throw new InvalidConfigurationException("--steps", steps, "expected an integer >= 1");
        }
        int batch = v.given(TrainerSettings.BATCH_SIZE).orElse(text ? Defaults.TEXT_BATCH : Defaults.BATCH);
        double rate = v.given(TrainerSettings.LEARNING_RATE).orElse(algorithm == Algorithm.backprop
                ? Defaults.BACKPROP_LR : text ? Defaults.TEXT_ZO_LR : v.get(TrainerSettings.LEARNING_RATE));
        ZoOptions zo = ZoOptions.builder().learningRate(rate).epsilon(v.get(TrainerSettings.EPSILON))
                .perturbations(v.get(TrainerSettings.PERTURBATIONS)).weightDecay(v.get(TrainerSettings.WEIGHT_DECAY))
                .gradientClip(v.get(TrainerSettings.GRADIENT_CLIP)).schedule(v.get(TrainerSettings.SCHEDULE))
                .totalSteps(steps).warmupSteps(v.get(TrainerSettings.WARMUP_STEPS))
                .finalLearningRateFraction(v.get(TrainerSettings.FINAL_LEARNING_RATE_FRACTION))
                .nonFinitePolicy(v.get(TrainerSettings.NON_FINITE_POLICY)).runSeed(seed)
                .variant(v.get(TrainerSettings.VARIANT)).momentum(v.get(TrainerSettings.MOMENTUM))
                .momentumTerms(v.get(TrainerSettings.MOMENTUM_TERMS))
                .sparsity(new SparsityOptions(v.get(TrainerSettings.SPARSE_MASK), v.get(TrainerSettings.SPARSITY),
                        v.get(TrainerSettings.SPARSE_REFRESH), v.get(TrainerSettings.TRAINABLE_TENSORS)))
                .subspace(new SubspaceOptions(v.get(TrainerSettings.SUBSPACE_TENSORS),
                        v.get(TrainerSettings.SUBSPACE_WINDOW), v.get(TrainerSettings.SUBSPACE_THRESHOLD)))
                .headLearningRate(v.given(TrainerSettings.HEAD_LEARNING_RATE)
                        .orElse(text ? Defaults.TEXT_HEAD_LR : 0.0)).build();
        zo.checkModel(spec);
        Path dir = out != null ? out : Path.of("runs", algorithm + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        LabeledDataset train;
        LabeledDataset test;
        if (text) {
            SpamAssassinTokens corpus = SpamAssassinTokens.load(dataDir != null ? dataDir
                    : SpamAssassinCorpus.defaultDir(), spec.inputWidth());
            train = corpus.train();
            test = corpus.test();
        } else {
            Path data = dataDir != null ? dataDir : FashionMnist.defaultDir();
            train = FashionMnist.train(data);
            test = FashionMnist.test(data);
        }
        String id = modelId != null ? modelId : text ? "spam-assassin-encoder" : "fashion-mnist-mlp";
        TrainingSettings s = new TrainingSettings(id, spec, zo, steps, batch, seed, seed,
                evalEvery, evalExamples, dir, !noProgress && System.console() != null,
                v.get(TrainerSettings.COMPUTE_BACKEND), logEncoding != null ? logEncoding : UpdateLogEncoding.COMPACT);
        System.out.printf("train-offline: %s on %s (%s, %d training examples), %d steps, batch %d, lr %s, %s CPU "
                + "kernels, out %s%n", algorithm, s.model(), train.name(), train.count(), steps, batch, rate,
                io.seedflow.core.model.Mlp.kernelName(), dir);
        ZoOfflineTraining.Result r = algorithm == Algorithm.zo ? ZoOfflineTraining.run(s, train, test)
                : BackpropOfflineTraining.run(s, train, test, momentum);
        Report.print(algorithm.name(), r);
        return 0;
    }
}
