package io.seedflow.operators;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.ExistingLogPolicy;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.NonFinitePolicy;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.StepLayout;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoVariant;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The Flink options of the trainers, derived from core's declarations in {@link TrainerSettings} (key, type, default,
 * doc). {@link #resolve(Configuration)} checks each value with its declared rules and the rules between them (core's
 * {@link ZoOptions.Builder#build()}) and hands them on as one typed {@link TrainerConfig}; it runs when the job is
 * built, so a bad value fails there, not on the first record.
 */
public final class ZoTrainerOptions {
    public static final ConfigOption<String> MODEL_SPEC = FlinkOptions.of(TrainerSettings.MODEL_SPEC);
    public static final ConfigOption<Long> MODEL_INIT_SEED = FlinkOptions.of(TrainerSettings.MODEL_INIT_SEED);
    public static final ConfigOption<Double> LEARNING_RATE = FlinkOptions.of(TrainerSettings.LEARNING_RATE);
    public static final ConfigOption<Float> EPSILON = FlinkOptions.of(TrainerSettings.EPSILON);
    public static final ConfigOption<Integer> PERTURBATIONS = FlinkOptions.of(TrainerSettings.PERTURBATIONS);
    public static final ConfigOption<Double> WEIGHT_DECAY = FlinkOptions.of(TrainerSettings.WEIGHT_DECAY);
    public static final ConfigOption<Double> GRADIENT_CLIP = FlinkOptions.of(TrainerSettings.GRADIENT_CLIP);
    public static final ConfigOption<LearningRateSchedule> SCHEDULE = FlinkOptions.of(TrainerSettings.SCHEDULE);
    public static final ConfigOption<Long> TOTAL_STEPS = FlinkOptions.of(TrainerSettings.TOTAL_STEPS);
    public static final ConfigOption<NonFinitePolicy> NON_FINITE_POLICY = FlinkOptions.of(TrainerSettings.NON_FINITE_POLICY);
    public static final ConfigOption<ZoVariant> VARIANT = FlinkOptions.of(TrainerSettings.VARIANT);
    public static final ConfigOption<Double> MOMENTUM = FlinkOptions.of(TrainerSettings.MOMENTUM);
    public static final ConfigOption<Integer> MOMENTUM_TERMS = FlinkOptions.of(TrainerSettings.MOMENTUM_TERMS);
    public static final ConfigOption<SparsityOptions.MaskKind> SPARSE_MASK = FlinkOptions.of(TrainerSettings.SPARSE_MASK);
    public static final ConfigOption<Double> SPARSITY = FlinkOptions.of(TrainerSettings.SPARSITY);
    public static final ConfigOption<Long> SPARSE_REFRESH = FlinkOptions.of(TrainerSettings.SPARSE_REFRESH);
    public static final ConfigOption<List<String>> TRAINABLE_TENSORS = FlinkOptions.of(TrainerSettings.TRAINABLE_TENSORS);
    public static final ConfigOption<List<String>> SUBSPACE_TENSORS = FlinkOptions.of(TrainerSettings.SUBSPACE_TENSORS);
    public static final ConfigOption<Integer> SUBSPACE_WINDOW = FlinkOptions.of(TrainerSettings.SUBSPACE_WINDOW);
    public static final ConfigOption<Double> SUBSPACE_THRESHOLD = FlinkOptions.of(TrainerSettings.SUBSPACE_THRESHOLD);
    public static final ConfigOption<BackendChoice> COMPUTE_BACKEND = FlinkOptions.of(TrainerSettings.COMPUTE_BACKEND);
    public static final ConfigOption<Long> RUN_SEED = FlinkOptions.of(TrainerSettings.RUN_SEED);
    public static final ConfigOption<Integer> BATCH_SIZE = FlinkOptions.of(TrainerSettings.BATCH_SIZE);
    public static final ConfigOption<Integer> BATCH_PIECES = FlinkOptions.of(TrainerSettings.BATCH_PIECES);
    public static final ConfigOption<Integer> PROBE_GROUPS = FlinkOptions.of(TrainerSettings.PROBE_GROUPS);
    public static final ConfigOption<Duration> MAX_WAIT = FlinkOptions.of(TrainerSettings.MAX_WAIT);
    public static final ConfigOption<Integer> SNAPSHOT_INTERVAL = FlinkOptions.of(TrainerSettings.SNAPSHOT_INTERVAL);
    public static final ConfigOption<String> SNAPSHOT_DIR = FlinkOptions.of(TrainerSettings.SNAPSHOT_DIR);
    public static final ConfigOption<Integer> SNAPSHOT_RETAIN_NEWEST = FlinkOptions.of(TrainerSettings.SNAPSHOT_RETAIN_NEWEST);
    public static final ConfigOption<Duration> SNAPSHOT_RETAIN_MIN_AGE = FlinkOptions.of(TrainerSettings.SNAPSHOT_RETAIN_MIN_AGE);
    public static final ConfigOption<ExistingLogPolicy> EXISTING_LOG = FlinkOptions.of(TrainerSettings.EXISTING_LOG);
    public static final ConfigOption<String> HOLDOUT_SOURCE = FlinkOptions.of(TrainerSettings.HOLDOUT_SOURCE);
    public static final ConfigOption<Integer> HOLDOUT_SIZE = FlinkOptions.of(TrainerSettings.HOLDOUT_SIZE);
    public static final ConfigOption<Integer> HOLDOUT_EVAL_INTERVAL = FlinkOptions.of(TrainerSettings.HOLDOUT_EVAL_INTERVAL);
    public static final ConfigOption<Long> WARMUP_STEPS = FlinkOptions.of(TrainerSettings.WARMUP_STEPS);
    public static final ConfigOption<Double> FINAL_LEARNING_RATE_FRACTION =
            FlinkOptions.of(TrainerSettings.FINAL_LEARNING_RATE_FRACTION);
    public static final ConfigOption<Double> HEAD_LEARNING_RATE = FlinkOptions.of(TrainerSettings.HEAD_LEARNING_RATE);
    public static final ConfigOption<Integer> PREQUENTIAL_WINDOW = FlinkOptions.of(TrainerSettings.PREQUENTIAL_WINDOW);

    private ZoTrainerOptions() {
    }

    /** Core's estimator settings from {@code conf}; throws {@link InvalidConfigurationException} if invalid. */
    public static ZoOptions zoOptions(Configuration conf) {
        return ZoOptions.builder().learningRate(conf.get(LEARNING_RATE)).epsilon(conf.get(EPSILON))
                .perturbations(conf.get(PERTURBATIONS)).weightDecay(conf.get(WEIGHT_DECAY))
                .gradientClip(conf.get(GRADIENT_CLIP)).schedule(conf.get(SCHEDULE)).totalSteps(conf.get(TOTAL_STEPS))
                .warmupSteps(conf.get(WARMUP_STEPS)).finalLearningRateFraction(conf.get(FINAL_LEARNING_RATE_FRACTION))
                .nonFinitePolicy(conf.get(NON_FINITE_POLICY)).runSeed(conf.get(RUN_SEED)).variant(conf.get(VARIANT))
                .momentum(conf.get(MOMENTUM)).momentumTerms(conf.get(MOMENTUM_TERMS))
                .sparsity(new SparsityOptions(conf.get(SPARSE_MASK), conf.get(SPARSITY), conf.get(SPARSE_REFRESH),
                        conf.get(TRAINABLE_TENSORS)))
                .subspace(new SubspaceOptions(conf.get(SUBSPACE_TENSORS), conf.get(SUBSPACE_WINDOW),
                        conf.get(SUBSPACE_THRESHOLD)))
                .headLearningRate(conf.get(HEAD_LEARNING_RATE))
                .build();
    }

    /**
     * Checks every setting the trainer reads, each with its declared parser and rules, then the rules between them;
     * the message names the key, the value and what is allowed.
     */
    public static void validate(Configuration conf) {
        resolve(conf);
    }

    /**
     * The trainer's settings from {@code conf}, each checked with its declared parser and rules, then the rules
     * between them (the model spec parsed once, the estimator's settings checked against it); the message names the
     * key, the value and what is allowed.
     */
    public static TrainerConfig resolve(Configuration conf) {
        FlinkOptions.check(conf, TrainerSettings.ALL);
        String dir = conf.get(SNAPSHOT_DIR);
        if (dir == null || dir.isBlank()) {
            throw new InvalidConfigurationException(SNAPSHOT_DIR.key(), dir, "is required: "
                    + TrainerSettings.SNAPSHOT_DIR.doc());
        }
        if (conf.get(BATCH_PIECES) > conf.get(BATCH_SIZE)) {
            throw new InvalidConfigurationException(BATCH_PIECES.key(), conf.get(BATCH_PIECES),
                    "must be at most " + BATCH_SIZE.key() + " (" + conf.get(BATCH_SIZE) + "): a piece holds at least "
                    + "one example of a full batch");
        }
        ModelSpec spec = ModelSpecs.parse(conf.get(MODEL_SPEC));
        ZoOptions options = zoOptions(conf);
        options.checkModel(spec);
        StepLayout.checkProbeGroups(conf.get(PROBE_GROUPS), options); // the parallelism is checked where it is known
        // whether a GPU is usable is checked where the trainer runs (ZoTrainerFunction#open), not on the client
        return new TrainerConfig(spec, conf.get(MODEL_INIT_SEED), options, conf.get(BATCH_SIZE), conf.get(BATCH_PIECES),
                conf.get(PROBE_GROUPS), conf.get(MAX_WAIT), conf.get(COMPUTE_BACKEND), conf.get(SNAPSHOT_INTERVAL), dir,
                conf.get(SNAPSHOT_RETAIN_NEWEST), conf.get(SNAPSHOT_RETAIN_MIN_AGE), conf.get(HOLDOUT_SOURCE),
                conf.get(HOLDOUT_SIZE), conf.get(HOLDOUT_EVAL_INTERVAL), conf.get(PREQUENTIAL_WINDOW),
                conf.get(EXISTING_LOG));
    }
}
