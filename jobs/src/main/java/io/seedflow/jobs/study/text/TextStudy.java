package io.seedflow.jobs.study.text;

import io.seedflow.core.data.EpochSampler;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.model.lora.LoraSpec;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.text.SpamAssassinTokens;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The encoder on the SpamAssassin corpus, two views (docs/quality.md). <b>Offline</b>: train on the first 70% of the
 * mails in time order for one epoch, test on the last 30%. <b>Prequential</b>: the whole corpus in time order, each
 * batch scored by the current model before it is trained on; F1 and accuracy over the last 30%.
 */
public final class TextStudy {
    /** A view of the study. */
    public enum View { offline, prequential }

    /**
     * What every run of a study shares. {@code headLearningRate} null: chosen by the linear probe's validation.
     * {@code classDescriptions} empty: every run starts from the encoder's random head of its seed; else from
     * prototypes of those descriptions ({@link InitialHead#prototypes}).
     */
    public record Settings(EncoderSpec spec, int batch, double zoLearningRate, float epsilon, double sparsity,
            List<String> subspaceTensors, int subspaceWindow, double subspaceThreshold, Double headLearningRate,
            List<String> classDescriptions) {
    }

    /** One run: F1 with spam (class 1) positive, accuracy, and, for the prequential view, every prediction. */
    public record Run(View view, String method, long seed, Evaluation score, long steps, double seconds,
            int[] predictions) {
    }

    static final int SPAM = 1;
    /** The linear probe's grid: learning rates and weight decays, chosen by F1 on the validation slice. */
    static final float[] PROBE_RATES = {0.03f, 0.1f, 0.3f, 1f, 3f, 10f};
    static final float[] PROBE_DECAYS = {0f, 1e-3f, 1e-2f, 1e-1f};
    /** The validation slice: the last 15% of the training mails in time order. */
    static final double VALIDATION_SHARE = 0.15;
    /**
     * The ZO learning rates a LoRA method chooses from on the validation slice: its adapters have ~300x fewer
     * dimensions than the body ({@code Defaults.TEXT_ZO_LR} = 1e-5 over 22.6 M), so its rate may be that much higher.
     */
    static final double[] LORA_RATES = {3e-4, 1e-3, 3e-3, 1e-2};
    /** The body matrices LoRA adapts (the attention's query and value projections, as in the LoRA paper). */
    static final List<String> LORA_TARGETS = List.of("query", "value");

    private final Settings settings;
    private final SpamAssassinTokens corpus;
    private final LabeledDataset embeddings;
    private final PrintStream log;
    private LinearProbeChoice probe;
    private InitialHead prototypes;
    private final java.util.Map<String, Double> chosenZoRates = new java.util.HashMap<>();

    public TextStudy(Settings settings, SpamAssassinTokens corpus, LabeledDataset embeddings, PrintStream log) {
        this.settings = settings;
        this.corpus = corpus;
        this.embeddings = embeddings;
        this.log = log;
    }

    public static List<String> methods(View view) {
        return view == View.offline
                ? List.of("untrained-head", "linear-probe", "mezo-all", "mezo-no-embeddings", "sparse-mezo",
                        "subspace", "hybrid")
                : List.of("zero-shot", "frozen-after-70", "head-only", "hybrid", "hybrid-top1", "full-zo", "lora-r8",
                        "lora-r4");
    }

    /** The head a run of {@code seed} starts from: the prototypes of the class descriptions, or the seed's. */
    InitialHead initialHead(long seed) {
        if (settings.classDescriptions().isEmpty()) {
            return InitialHead.ofSeed(settings.spec(), seed);
        }
        if (prototypes == null) {
            prototypes = InitialHead.prototypes(settings.spec(), settings.classDescriptions());
        }
        return prototypes;
    }

    /** The linear probe's learning rate and weight decay (chosen once, on the validation slice, seed 1). */
    public LinearProbeChoice probe() {
        if (probe == null) {
            probe = LinearProbeChoice.choose(settings.spec(), initialHead(1), embeddings.slice(0, corpus.trainCount()),
                    VALIDATION_SHARE, settings.batch(), PROBE_RATES, PROBE_DECAYS, log);
        }
        return probe;
    }

    float headRate() {
        return settings.headLearningRate() != null ? settings.headLearningRate().floatValue() : probe().rate();
    }

    public Run run(View view, String method, long seed) {
        if (view == View.prequential) {
            zoRate(method); // a LoRA method's rate is chosen first, once, outside the run's time
        }
        long t0 = System.nanoTime();
        Run r = view == View.offline ? offline(method, seed, t0) : prequential(method, seed, t0);
        log.printf(Locale.ROOT, "       F1 %.4f  accuracy %.4f  (%d steps, %.0f s)%n", r.score().f1(SPAM),
                r.score().accuracy(), r.steps(), r.seconds());
        return r;
    }

    private Run offline(String method, long seed, long t0) {
        LabeledDataset trainEmb = embeddings.slice(0, corpus.trainCount());
        LabeledDataset testEmb = embeddings.slice(corpus.trainCount(), corpus.all().count() - corpus.trainCount());
        switch (method) {
            case "untrained-head" -> {
                return done(View.offline, method, seed, new LinearHead(settings.spec(), initialHead(seed), 0f).evaluate(testEmb),
                        0, t0, null);
            }
            case "linear-probe" -> {
                LinearHead head = new LinearHead(settings.spec(), initialHead(seed), probe().decay());
                long steps = LinearProbeChoice.trainOneEpoch(head, trainEmb, settings.batch(), probe().rate(), seed);
                return done(View.offline, method, seed, head.evaluate(testEmb), steps, t0, null);
            }
            default -> {
                LabeledDataset train = corpus.train();
                long steps = (train.count() + settings.batch() - 1) / settings.batch();
                try (TrainingSession s = session(method, seed, steps)) {
                    EpochSampler sampler = new EpochSampler(train.count(), seed);
                    for (long step = 1; step <= steps; step++) {
                        EpochSampler.Draw d = sampler.next(settings.batch());
                        s.step(train.batch(d.order(), d.offset(), d.size()), List.of(new Lineage(
                                "study:" + train.name(), 0, d.fromPosition(), d.fromPosition() + d.size())));
                        progress(method, step, steps, t0);
                    }
                    LabeledDataset test = corpus.test();
                    return done(View.offline, method, seed, s.evaluate(test, test.count(), 32), steps, t0, null);
                }
            }
        }
    }

    private Run prequential(String method, long seed, long t0) {
        int n = corpus.all().count();
        int[] predicted = new int[n];
        int learnUntil = method.equals("frozen-after-70") ? corpus.trainCount() : method.equals("zero-shot") ? 0 : n;
        long learned = stream(method, seed, zoRate(method), n, learnUntil, predicted, t0);
        Evaluation last30 = Evaluation.ofPredictions(predicted, corpus.all().labels(), corpus.trainCount(), n, 2);
        return done(View.prequential, method, seed, last30, learned, t0, predicted);
    }

    /**
     * Test-then-train over the first {@code until} mails in time order, learning from those before
     * {@code learnUntil}; fills {@code predicted} and returns the steps learned.
     */
    private long stream(String method, long seed, double zoRate, int until, int learnUntil, int[] predicted,
            long t0) {
        long steps = (until + settings.batch() - 1) / settings.batch();
        StreamLearner learner = switch (method) {
            case "zero-shot", "frozen-after-70", "head-only" -> StreamLearner.head(
                    new LinearHead(settings.spec(), initialHead(seed), 0f), embeddings, headRate());
            default -> StreamLearner.session(session(method, seed, steps, zoRate), corpus.all());
        };
        long learned = 0;
        try (learner) {
            for (int from = 0; from < until; from += settings.batch()) {
                int size = Math.min(settings.batch(), until - from);
                System.arraycopy(learner.predict(from, size), 0, predicted, from, size);
                if (from < learnUntil) {
                    learner.learn(from, Math.min(size, learnUntil - from));
                    learned++;
                }
                progress(method, from / settings.batch() + 1, steps, t0);
            }
        }
        return learned;
    }

    /**
     * The ZO learning rate of {@code method}: the study's, or for a LoRA method the one of {@link #LORA_RATES} whose
     * test-then-train run over the training mails (seed 1) scores the best F1 on the validation slice, the last 15%
     * of them; chosen once per method. The test part (the last 30%) is never seen.
     */
    double zoRate(String method) {
        if (!method.startsWith("lora-")) { // the head methods take no ZO rate either
            return settings.zoLearningRate();
        }
        Double chosen = chosenZoRates.get(method);
        if (chosen != null) {
            return chosen;
        }
        int train = corpus.trainCount();
        int validationFrom = train - (int) Math.round(train * VALIDATION_SHARE);
        double best = Double.NaN;
        double bestF1 = -1;
        for (double rate : LORA_RATES) {
            long t0 = System.nanoTime();
            int[] predicted = new int[train];
            stream(method, 1, rate, train, train, predicted, t0);
            double f1 = Evaluation.ofPredictions(predicted, corpus.all().labels(), validationFrom, train, 2).f1(SPAM);
            log.printf(Locale.ROOT, "       %s: zo rate %.0e -> validation F1 %.4f (mails %d..%d, %.0f s)%n", method,
                    rate, f1, validationFrom, train - 1, (System.nanoTime() - t0) / 1e9);
            if (f1 > bestF1) {
                best = rate;
                bestF1 = f1;
            }
        }
        log.printf(Locale.ROOT, "       %s: zo rate %.0e chosen on the validation slice%n", method, best);
        chosenZoRates.put(method, best);
        return best;
    }

    private TrainingSession session(String method, long seed, long steps) {
        return session(method, seed, steps, settings.zoLearningRate());
    }

    private TrainingSession session(String method, long seed, long steps, double zoRate) {
        io.seedflow.core.model.ModelSpec spec = settings.spec();
        List<String> all = spec.tensorSpecs().stream().map(t -> t.name()).toList();
        SparsityOptions sparsity = SparsityOptions.NONE;
        SubspaceOptions subspace = SubspaceOptions.OFF;
        double headRate = 0;
        switch (method) {
            case "mezo-all", "full-zo" -> { }
            case "mezo-no-embeddings" -> sparsity = new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0,
                    all.stream().filter(t -> !t.startsWith("embeddings.")).toList());
            case "sparse-mezo" -> sparsity = new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE,
                    settings.sparsity(), 0, List.of());
            case "subspace" -> subspace = new SubspaceOptions(settings.subspaceTensors(), settings.subspaceWindow(),
                    settings.subspaceThreshold());
            case "hybrid" -> headRate = headRate();
            case "hybrid-top1" -> { // the head by its exact gradient, ZO on the top block only (issue 20, lever 3)
                headRate = headRate();
                String top = "layers." + (((io.seedflow.core.model.encoder.EncoderSpec) settings.spec()).layers() - 1)
                        + ".";
                sparsity = new SparsityOptions(SparsityOptions.MaskKind.NONE, 0, 0,
                        all.stream().filter(t -> t.startsWith(top)).toList());
            }
            case "lora-r8", "lora-r4" -> { // the head by its exact gradient, ZO on LoRA adapters (issue 20, lever 2)
                headRate = headRate();
                spec = new LoraSpec(Integer.parseInt(method.substring("lora-r".length())), LORA_TARGETS, spec);
            }
            default -> throw new IllegalArgumentException("unknown text study method " + method);
        }
        ZoOptions zo = ZoOptions.builder().learningRate(zoRate).epsilon(settings.epsilon())
                .totalSteps(steps).runSeed(seed).sparsity(sparsity).subspace(subspace).headLearningRate(headRate)
                .build();
        if (settings.classDescriptions().isEmpty()) {
            return TrainingSession.fresh("text-study", spec, zo, seed, BackendFactory.cpu()).session();
        }
        ParameterSet params = spec.newModel().initialize(seed);
        initialHead(seed).copyInto(params, spec.headTensors());
        return TrainingSession.resume("text-study", spec, zo, params, "prototypes", 0, BackendFactory.cpu());
    }

    private void progress(String method, long step, long steps, long t0) {
        if (step % 50 == 0) {
            log.printf(Locale.ROOT, "       %s step %d/%d (%.0f s)%n", method, step, steps,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    private static Run done(View view, String method, long seed, Evaluation score, long steps, long t0,
            int[] predictions) {
        return new Run(view, method, seed, score, steps, (System.nanoTime() - t0) / 1e9, predictions);
    }
}
