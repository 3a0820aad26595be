package io.seedflow.operators;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.compute.ComputeBackends;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.NonFinitePolicy;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoVariant;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Settings of {@link ZoTrainerFunction}, declared once with description and default. The estimator settings
 * ({@code seedflow.zo.*}) are validated by core's {@link ZoOptions.Builder#build()}; the trainer's own settings by
 * {@link #validate(Configuration)}. Both run when the function is constructed, so a bad value fails at job build
 * time, not on the first record.
 */
public final class ZoTrainerOptions {
    public static final ConfigOption<String> MODEL_SPEC = ConfigOptions.key("seedflow.model.spec").stringType()
            .defaultValue("mlp:784x64x10:relu").withDescription("Model architecture: " + ModelSpecs.FORMS + ".");
    public static final ConfigOption<Long> MODEL_INIT_SEED = ConfigOptions.key("seedflow.model.init-seed").longType()
            .defaultValue(1L).withDescription("Seed of the base snapshot's initial weights (the model family's initialize).");
    public static final ConfigOption<Double> LEARNING_RATE = ConfigOptions.key("seedflow.zo.learning-rate")
            .doubleType().defaultValue(1e-3).withDescription("ZO-SGD learning rate, finite and > 0.");
    public static final ConfigOption<Float> EPSILON = ConfigOptions.key("seedflow.zo.epsilon").floatType()
            .defaultValue(1e-3f).withDescription("Perturbation scale, finite and > 0.");
    public static final ConfigOption<Integer> PERTURBATIONS = ConfigOptions.key("seedflow.zo.perturbations")
            .intType().defaultValue(1).withDescription("Perturbations per step (q), in [1, 1024].");
    public static final ConfigOption<Double> WEIGHT_DECAY = ConfigOptions.key("seedflow.zo.weight-decay")
            .doubleType().defaultValue(0.0).withDescription("Decoupled weight decay, >= 0.");
    public static final ConfigOption<Double> GRADIENT_CLIP = ConfigOptions.key("seedflow.zo.gradient-clip")
            .doubleType().defaultValue(0.0).withDescription("Clip of the projected gradient, 0 = off.");
    public static final ConfigOption<LearningRateSchedule> SCHEDULE = ConfigOptions.key("seedflow.zo.schedule")
            .enumType(LearningRateSchedule.class).defaultValue(LearningRateSchedule.CONSTANT)
            .withDescription("Learning-rate schedule.");
    public static final ConfigOption<Long> TOTAL_STEPS = ConfigOptions.key("seedflow.zo.total-steps").longType()
            .defaultValue(0L).withDescription("Schedule length; required (> 0) for a non-constant schedule.");
    public static final ConfigOption<NonFinitePolicy> NON_FINITE_POLICY = ConfigOptions
            .key("seedflow.zo.non-finite-policy").enumType(NonFinitePolicy.class).defaultValue(NonFinitePolicy.SKIP)
            .withDescription("What a step with a non-finite loss does: SKIP (emit a skipped record) or FAIL.");
    public static final ConfigOption<ZoVariant> VARIANT = ConfigOptions.key("seedflow.zo.variant")
            .enumType(ZoVariant.class).defaultValue(ZoVariant.SGD)
            .withDescription("How the projected gradient becomes the step: SGD (MeZO), SIGN (ZO-SGD-Sign), MOMENTUM "
                    + "(ZO-SGD-MMT, unrolled into the record) or CONSERVATIVE (ZO-SGD-Cons).");
    public static final ConfigOption<Double> MOMENTUM = ConfigOptions.key(ZoOptions.MOMENTUM_KEY).doubleType()
            .defaultValue(0.9).withDescription("Momentum beta of variant MOMENTUM, in [0, 1).");
    public static final ConfigOption<Integer> MOMENTUM_TERMS = ConfigOptions.key(ZoOptions.MOMENTUM_TERMS_KEY)
            .intType().defaultValue(32).withDescription("Past steps unrolled into each MOMENTUM record, [1, 1024].");
    public static final ConfigOption<SparsityOptions.MaskKind> SPARSE_MASK = ConfigOptions
            .key(SparsityOptions.MASK_KEY).enumType(SparsityOptions.MaskKind.class)
            .defaultValue(SparsityOptions.MaskKind.NONE).withDescription("Mask inside the trained matrices: NONE, "
                    + "MAGNITUDE (Sparse MeZO: the smallest |theta|) or RANDOM (fixed density from a seed).");
    public static final ConfigOption<Double> SPARSITY = ConfigOptions.key(SparsityOptions.SPARSITY_KEY).doubleType()
            .defaultValue(0.0).withDescription("Fraction of each trained matrix that is frozen, [0, 1).");
    public static final ConfigOption<Long> SPARSE_REFRESH = ConfigOptions.key(SparsityOptions.REFRESH_KEY).longType()
            .defaultValue(1000L).withDescription("Steps between magnitude-threshold refreshes / random mask redraws; "
                    + "0 = never.");
    public static final ConfigOption<List<String>> TRAINABLE_TENSORS = ConfigOptions.key(SparsityOptions.TENSORS_KEY)
            .stringType().asList().defaultValues().withDescription("Tensors to train, e.g. "
                    + "layers.1.weight;layers.1.bias; empty = all.");
    public static final ConfigOption<List<String>> SUBSPACE_TENSORS = ConfigOptions.key(SubspaceOptions.TENSORS_KEY)
            .stringType().asList().defaultValues().withDescription("Parameter group of subspace-denoised gradients "
                    + "(a bounded group, e.g. the head); empty = off.");
    public static final ConfigOption<Integer> SUBSPACE_WINDOW = ConfigOptions.key(SubspaceOptions.WINDOW_KEY).intType()
            .defaultValue(64).withDescription("Steps per PCA window (tau), >= 2.");
    public static final ConfigOption<Double> SUBSPACE_THRESHOLD = ConfigOptions.key(SubspaceOptions.THRESHOLD_KEY)
            .doubleType().defaultValue(1e-3).withDescription("Share of the window's variance treated as noise (nu), "
                    + "in (0, 1).");
    public static final ConfigOption<BackendChoice> COMPUTE_BACKEND = ConfigOptions.key(ComputeBackends.KEY)
            .enumType(BackendChoice.class).defaultValue(BackendChoice.AUTO).withDescription("Where the forward passes "
                    + "and updates run: AUTO (the GPU when one is usable, else the CPU), CPU, or GPU (fails at start "
                    + "without a usable GPU). The device is Flink's external resource 'gpu' (property index) or 0.");
    public static final ConfigOption<Long> RUN_SEED = ConfigOptions.key("seedflow.zo.run-seed").longType()
            .defaultValue(42L).withDescription("Run seed from which every step's perturbation seeds derive.");
    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("seedflow.trainer.batch-size").intType()
            .defaultValue(64).withDescription("Examples per ZO step; a full batch trains at once.");
    public static final ConfigOption<Duration> MAX_WAIT = ConfigOptions.key("seedflow.trainer.max-wait")
            .durationType().defaultValue(Duration.ofSeconds(5))
            .withDescription("Processing time after the first buffered example at which a partial batch trains.");
    public static final ConfigOption<Integer> SNAPSHOT_INTERVAL = ConfigOptions
            .key("seedflow.trainer.snapshot-interval-steps").intType().defaultValue(1000)
            .withDescription("Steps between full weight snapshots; the log tail in state is truncated at each.");
    public static final ConfigOption<String> SNAPSHOT_DIR = ConfigOptions.key("seedflow.snapshot.dir").stringType()
            .noDefaultValue().withDescription("Directory of the content-addressed snapshot store: a Flink FileSystem "
                    + "URI (file:///..., s3://bucket/path) or a local path.");
    public static final ConfigOption<Integer> SNAPSHOT_RETAIN_NEWEST = ConfigOptions
            .key("seedflow.snapshot.retain-newest").intType().defaultValue(3)
            .withDescription("Retirement of old snapshots: each model keeps at least its newest N snapshots; older "
                    + "ones are deleted once a completed checkpoint points past them and they are older than "
                    + "seedflow.snapshot.retain-min-age. 0 = keep every snapshot (retirement off).");
    public static final ConfigOption<Duration> SNAPSHOT_RETAIN_MIN_AGE = ConfigOptions
            .key("seedflow.snapshot.retain-min-age").durationType().defaultValue(Duration.ofDays(7))
            .withDescription("No snapshot younger than this is retired: keep it longer than the oldest savepoint or "
                    + "retained checkpoint you may restore from (each names the snapshot that was its pointer).");
    public static final ConfigOption<String> HOLDOUT_SOURCE = ConfigOptions.key("seedflow.trainer.holdout-source")
            .stringType().noDefaultValue().withDescription("Examples whose source (Kafka topic) has this name are "
                    + "held out: evaluated on, never trained on. Unset = no holdout.");
    public static final ConfigOption<Integer> HOLDOUT_SIZE = ConfigOptions.key("seedflow.trainer.holdout-size")
            .intType().defaultValue(1000).withDescription("How many of the newest holdout examples are kept (memory).");
    public static final ConfigOption<Integer> HOLDOUT_EVAL_INTERVAL = ConfigOptions
            .key("seedflow.trainer.holdout-eval-interval-steps").intType().defaultValue(100)
            .withDescription("Steps between evaluations of the holdout accuracy metric.");

    private ZoTrainerOptions() {
    }

    /** Core's estimator settings from {@code conf}; throws {@link InvalidConfigurationException} if invalid. */
    public static ZoOptions zoOptions(Configuration conf) {
        return ZoOptions.builder().learningRate(conf.get(LEARNING_RATE)).epsilon(conf.get(EPSILON))
                .perturbations(conf.get(PERTURBATIONS)).weightDecay(conf.get(WEIGHT_DECAY))
                .gradientClip(conf.get(GRADIENT_CLIP)).schedule(conf.get(SCHEDULE)).totalSteps(conf.get(TOTAL_STEPS))
                .nonFinitePolicy(conf.get(NON_FINITE_POLICY)).runSeed(conf.get(RUN_SEED)).variant(conf.get(VARIANT))
                .momentum(conf.get(MOMENTUM)).momentumTerms(conf.get(MOMENTUM_TERMS))
                .sparsity(new SparsityOptions(conf.get(SPARSE_MASK), conf.get(SPARSITY), conf.get(SPARSE_REFRESH),
                        conf.get(TRAINABLE_TENSORS)))
                .subspace(new SubspaceOptions(conf.get(SUBSPACE_TENSORS), conf.get(SUBSPACE_WINDOW),
                        conf.get(SUBSPACE_THRESHOLD)))
                .build();
    }

    /** An enum setting given as text must name one of the constants (case-insensitive, as Flink parses it). */
    private static <E extends Enum<E>> void checkEnum(Configuration conf, ConfigOption<E> option, Class<E> type) {
        String raw = conf.toMap().get(option.key());
        if (raw == null) {
            return;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(raw.trim())) {
                return;
            }
        }
        throw new InvalidConfigurationException(option.key(), raw, "must be one of "
                + java.util.Arrays.toString(type.getEnumConstants()));
    }

    /** Checks every setting the trainer reads; the message names the key, the value and what is allowed. */
    public static void validate(Configuration conf) {
        checkEnum(conf, SCHEDULE, LearningRateSchedule.class);
        checkEnum(conf, NON_FINITE_POLICY, NonFinitePolicy.class);
        checkEnum(conf, VARIANT, ZoVariant.class);
        checkEnum(conf, SPARSE_MASK, SparsityOptions.MaskKind.class);
        checkEnum(conf, COMPUTE_BACKEND, BackendChoice.class);
        ModelSpec spec = ModelSpecs.parse(conf.get(MODEL_SPEC));
        if (spec.inputKind() != InputKind.DENSE) {
            throw new InvalidConfigurationException(MODEL_SPEC.key(), spec.toText(), "the streaming trainer takes "
                    + "dense feature events; text events for the encoder family are not wired into it yet");
        }
        zoOptions(conf).checkModel(spec.tensorSpecs());
        // whether a GPU is usable is checked where the trainer runs (ZoTrainerFunction#open), not on the client
        if (conf.get(BATCH_SIZE) < 1) {
            throw new InvalidConfigurationException(BATCH_SIZE.key(), conf.get(BATCH_SIZE), "must be >= 1");
        }
        Duration wait = conf.get(MAX_WAIT);
        if (wait.isNegative() || wait.isZero()) {
            throw new InvalidConfigurationException(MAX_WAIT.key(), wait, "must be > 0, e.g. 5 s");
        }
        if (conf.get(SNAPSHOT_INTERVAL) < 1) {
            throw new InvalidConfigurationException(SNAPSHOT_INTERVAL.key(), conf.get(SNAPSHOT_INTERVAL), "must be >= 1");
        }
        String dir = conf.get(SNAPSHOT_DIR);
        if (dir == null || dir.isBlank()) {
            throw new InvalidConfigurationException(SNAPSHOT_DIR.key(), dir,
                    "is required: a Flink FileSystem URI for the snapshot store, e.g. s3://bucket/seedflow/snapshots "
                            + "or file:///var/lib/seedflow/snapshots");
        }
        if (conf.get(SNAPSHOT_RETAIN_NEWEST) < 0) {
            throw new InvalidConfigurationException(SNAPSHOT_RETAIN_NEWEST.key(), conf.get(SNAPSHOT_RETAIN_NEWEST),
                    "must be >= 0 (0 = keep every snapshot)");
        }
        if (conf.get(SNAPSHOT_RETAIN_MIN_AGE).isNegative()) {
            throw new InvalidConfigurationException(SNAPSHOT_RETAIN_MIN_AGE.key(), conf.get(SNAPSHOT_RETAIN_MIN_AGE),
                    "must be >= 0, e.g. 7d");
        }
        if (conf.get(HOLDOUT_SIZE) < 1) {
            throw new InvalidConfigurationException(HOLDOUT_SIZE.key(), conf.get(HOLDOUT_SIZE), "must be >= 1");
        }
        if (conf.get(HOLDOUT_EVAL_INTERVAL) < 1) {
            throw new InvalidConfigurationException(HOLDOUT_EVAL_INTERVAL.key(), conf.get(HOLDOUT_EVAL_INTERVAL),
                    "must be >= 1");
        }
    }
}
