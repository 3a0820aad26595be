package io.seedflow.core.settings;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.log.ExistingLogPolicy;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.NonFinitePolicy;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.ZoVariant;
import java.time.Duration;
import java.util.List;

/**
 * The trainer's settings: the model, the ZO estimator ({@code seedflow.zo.*}), the streaming trainer
 * ({@code seedflow.trainer.*}), the snapshot store ({@code seedflow.snapshot.*}) and the compute backend. The
 * defaults are the measured streaming recipe for the Fashion-MNIST MLP (docs/benchmarks.md §1b: batch 128, constant
 * learning rate 5e-4; batch 64 with 1e-3 diverges). Cross-setting rules (e.g. momentum needs q = 1) are checked
 * where the settings meet, in {@link io.seedflow.core.zo.ZoOptions}.
 */
public final class TrainerSettings {
    /** The default model: the Fashion-MNIST MLP of the measured recipes. */
    public static final String MLP_MODEL = "mlp:784x64x10:relu";
    public static final Setting<String> MODEL_SPEC = Setting.stringSetting("seedflow.model.spec").flag("--model")
            .defaultValue(MLP_MODEL)
            .doc("Model architecture: mlp:IN x HIDDEN... x CLASSES:relu|gelu, or encoder:NAME:CLASSES[:maxTokens]")
            .check(s -> !s.isBlank(), "not empty").build();
    public static final Setting<Long> MODEL_INIT_SEED = Setting.longSetting("seedflow.model.init-seed")
            .flag("--init-seed").defaultValue(1L)
            .doc("Seed of the base snapshot's initial weights (the model family's initialization).").build();
    public static final Setting<Double> LEARNING_RATE = Setting.doubleSetting("seedflow.zo.learning-rate")
            .flag("--learning-rate", "--lr").defaultValue(5e-4)
            .doc("ZO-SGD learning rate (the streaming recipe: 5e-4 at batch 128, docs/benchmarks.md §1b).")
            .check(v -> v > 0 && Double.isFinite(v), "finite and > 0").build();
    public static final Setting<Float> EPSILON = Setting.floatSetting("seedflow.zo.epsilon").flag("--epsilon")
            .defaultValue(1e-3f).doc("Perturbation scale ε.")
            .check(v -> v > 0 && Float.isFinite(v), "finite and > 0 (typical 1e-3)").build();
    public static final Setting<Integer> PERTURBATIONS = Setting.intSetting("seedflow.zo.perturbations")
            .flag("--perturbations").defaultValue(1).doc("Perturbations per step, q.")
            .check(v -> v >= 1 && v <= 1024, "in [1, 1024]").build();
    public static final Setting<Double> WEIGHT_DECAY = Setting.doubleSetting("seedflow.zo.weight-decay")
            .flag("--weight-decay").defaultValue(0.0)
            .doc("Decoupled weight decay on tensors of rank >= 2; learning rate x weight decay must stay < 1.")
            .check(v -> v >= 0 && Double.isFinite(v), ">= 0").build();
    public static final Setting<Double> GRADIENT_CLIP = Setting.doubleSetting("seedflow.zo.gradient-clip")
            .flag("--gradient-clip", "--clip").defaultValue(0.0)
            .doc("Clip of |projected gradient|; 0 = off.").check(v -> v >= 0, ">= 0 (0 = no clipping)").build();
    public static final Setting<LearningRateSchedule> SCHEDULE = Setting
            .enumSetting("seedflow.zo.schedule", LearningRateSchedule.class).flag("--schedule")
            .defaultValue(LearningRateSchedule.CONSTANT)
            .doc("Learning-rate schedule; COSINE and LINEAR decay over seedflow.zo.total-steps.").build();
    public static final Setting<Long> TOTAL_STEPS = Setting.longSetting("seedflow.zo.total-steps")
            .flag("--total-steps").defaultValue(0L)
            .doc("Schedule length; required (> 0) for a non-constant schedule.").check(v -> v >= 0, ">= 0").build();
    public static final Setting<Long> WARMUP_STEPS = Setting.longSetting("seedflow.zo.warmup-steps")
            .flag("--warmup-steps", "--warmup").defaultValue(0L).doc("Linear learning-rate warm-up steps.")
            .check(v -> v >= 0, ">= 0").build();
    public static final Setting<Double> FINAL_LEARNING_RATE_FRACTION = Setting
            .doubleSetting("seedflow.zo.final-learning-rate-fraction").flag("--final-lr-fraction").defaultValue(0.0)
            .doc("Final / base learning rate of a COSINE or LINEAR schedule.")
            .check(v -> v >= 0 && v <= 1, "in [0, 1]").build();
    public static final Setting<NonFinitePolicy> NON_FINITE_POLICY = Setting
            .enumSetting("seedflow.zo.non-finite-policy", NonFinitePolicy.class).flag("--on-non-finite")
            .defaultValue(NonFinitePolicy.SKIP)
            .doc("What a step with a non-finite loss does: SKIP (emit a skipped record) or FAIL.").build();
    public static final Setting<ZoVariant> VARIANT = Setting.enumSetting("seedflow.zo.variant", ZoVariant.class)
            .flag("--variant").defaultValue(ZoVariant.SGD)
            .doc("How the projected gradient becomes the step: SGD (MeZO), SIGN (ZO-SGD-Sign), MOMENTUM (ZO-SGD-MMT, "
                    + "unrolled into the record) or CONSERVATIVE (ZO-SGD-Cons).").build();
    public static final Setting<Double> MOMENTUM = Setting.doubleSetting("seedflow.zo.momentum")
            .flag("--zo-momentum").defaultValue(0.9).doc("Momentum β of variant MOMENTUM.")
            .check(v -> v >= 0 && v < 1, "in [0, 1)").build();
    public static final Setting<Integer> MOMENTUM_TERMS = Setting.intSetting("seedflow.zo.momentum-terms")
            .flag("--momentum-terms").defaultValue(32).doc("Past steps unrolled into each MOMENTUM record.")
            .check(v -> v >= 1 && v <= 1024, "in [1, 1024]").build();
    public static final Setting<Double> HEAD_LEARNING_RATE = Setting.doubleSetting("seedflow.zo.head-learning-rate")
            .flag("--head-learning-rate").defaultValue(0.0)
            .doc("Train the head (last weight and bias) by its exact gradient at this rate and the body by ZO "
                    + "(records carry the head delta, format 3); 0 = the head by ZO.")
            .check(v -> v >= 0 && Double.isFinite(v), "finite and >= 0 (0 = the head is trained by ZO)").build();
    public static final Setting<SparsityOptions.MaskKind> SPARSE_MASK = Setting
            .enumSetting("seedflow.zo.sparse.mask", SparsityOptions.MaskKind.class).flag("--mask")
            .defaultValue(SparsityOptions.MaskKind.NONE)
            .doc("Mask inside the trained matrices: NONE, MAGNITUDE (Sparse MeZO: the smallest |θ|) or RANDOM.")
            .build();
    public static final Setting<Double> SPARSITY = Setting.doubleSetting("seedflow.zo.sparse.sparsity")
            .flag("--sparsity").defaultValue(0.0)
            .doc("Fraction of each trained matrix that is frozen (0.8 trains 20%); > 0 exactly when a mask is set.")
            .check(v -> v >= 0 && v < 1, "in [0, 1)").build();
    public static final Setting<Long> SPARSE_REFRESH = Setting.longSetting("seedflow.zo.sparse.refresh-steps")
            .flag("--mask-refresh").defaultValue(1000L)
            .doc("Steps between magnitude-threshold refreshes / random mask redraws; 0 = never.")
            .check(v -> v >= 0, ">= 0 (0 = never refresh)").build();
    public static final Setting<List<String>> TRAINABLE_TENSORS = Setting.listSetting("seedflow.zo.trainable-tensors")
            .flag("--trainable-tensors")
            .doc("Tensors to train, e.g. layers.1.weight,layers.1.bias; @bitfit = every tensor of rank 1 (biases, "
                    + "LayerNorm) and the head unless it moves by its exact gradient; empty = all.").build();
    public static final Setting<List<String>> SUBSPACE_TENSORS = Setting.listSetting("seedflow.zo.subspace.tensors")
            .flag("--subspace-tensors")
            .doc("Parameter group of subspace-denoised gradients (a bounded group, e.g. the head); empty = off.")
            .build();
    public static final Setting<Integer> SUBSPACE_WINDOW = Setting.intSetting("seedflow.zo.subspace.window")
            .flag("--subspace-window").defaultValue(64).doc("Steps per PCA window, τ.")
            .check(v -> v >= 2 && v <= 1024, "in [2, 1024]").build();
    public static final Setting<Double> SUBSPACE_THRESHOLD = Setting
            .doubleSetting("seedflow.zo.subspace.variance-threshold").flag("--subspace-threshold").defaultValue(1e-3)
            .doc("Share of the window's variance treated as noise, ν (ZOODiP uses 1e-3).")
            .check(v -> v > 0 && v < 1, "in (0, 1)").build();
    public static final Setting<BackendChoice> COMPUTE_BACKEND = Setting
            .enumSetting("seedflow.compute.backend", BackendChoice.class).flag("--backend")
            .defaultValue(BackendChoice.AUTO)
            .doc("Where forward passes and updates run: AUTO (the GPU when usable, else the CPU), CPU, or GPU (fails "
                    + "at start without a usable GPU). The device is Flink's external resource 'gpu' or 0.").build();
    public static final Setting<Long> RUN_SEED = Setting.longSetting("seedflow.zo.run-seed").flag("--run-seed")
            .defaultValue(42L).doc("Run seed from which every step's perturbation seeds derive.").build();
    public static final Setting<Integer> BATCH_SIZE = Setting.intSetting("seedflow.trainer.batch-size")
            .flag("--batch-size", "--batch").defaultValue(128)
            .doc("Examples per ZO step (the streaming recipe: 128, docs/benchmarks.md §1b).")
            .check(v -> v >= 1 && v <= 65_536, "in [1, 65536]").build();
    public static final Setting<Integer> BATCH_PIECES = Setting.intSetting("seedflow.trainer.batch-pieces")
            .flag("--batch-pieces").defaultValue(0)
            .doc("Pieces each step's batch is evaluated in, their loss sums added in piece order (docs/scale-out.md "
                    + "§3): records are identical at every trainer parallelism that divides it; 0 = one piece per "
                    + "trainer subtask (at parallelism 1 the whole batch, as before).")
            .check(v -> v >= 0 && v <= 65_536, "in [0, 65536], a multiple of the trainer parallelism").build();
    public static final Setting<Integer> PROBE_GROUPS = Setting.intSetting("seedflow.trainer.probe-groups")
            .flag("--probe-groups").defaultValue(1)
            .doc("Probe groups G (perturbation parallelism): the trainer subtasks are data groups x G; the G "
                    + "subtasks of a data group take the same examples and each evaluates q / G of the step's "
                    + "perturbations (docs/scale-out.md §5), with records identical to G = 1 on the same pieces. "
                    + "Used by the trainers of seedflow.job.data-parallel-models; the keyed trainer ignores it.")
            .check(v -> v >= 1 && v <= 1024, "in [1, 1024], a divisor of seedflow.zo.perturbations and of the "
                    + "trainer parallelism").build();
    public static final Setting<Duration> MAX_WAIT = Setting.durationSetting("seedflow.trainer.max-wait")
            .flag("--max-wait").defaultValue(Duration.ofSeconds(5))
            .doc("Processing time after the first buffered example at which a partial batch trains.")
            .check(d -> d.toMillis() > 0, "> 0").build();
    public static final Setting<Integer> SNAPSHOT_INTERVAL = Setting.intSetting("seedflow.trainer.snapshot-interval-steps")
            .flag("--snapshot-interval-steps").defaultValue(1000)
            .doc("Steps between full weight snapshots; the log tail in state is truncated at each.")
            .check(v -> v >= 1, ">= 1").build();
    public static final Setting<String> SNAPSHOT_DIR = Setting.stringSetting("seedflow.snapshot.dir")
            .flag("--snapshot-dir")
            .doc("Snapshot store (required): a Flink FileSystem URI such as s3://bucket/seedflow/snapshots or "
                    + "file:///var/lib/seedflow/snapshots, or a local path.")
            .check(s -> !s.isBlank(), "a URI or path, e.g. s3://bucket/seedflow/snapshots").build();
    public static final Setting<Integer> SNAPSHOT_RETAIN_NEWEST = Setting.intSetting("seedflow.snapshot.retain-newest")
            .flag("--snapshot-retain-newest").defaultValue(3)
            .doc("Each model keeps at least its newest N snapshots; older ones are deleted once a completed "
                    + "checkpoint points past them and they are older than seedflow.snapshot.retain-min-age. 0 = keep "
                    + "every snapshot.").check(v -> v >= 0, ">= 0 (0 = keep every snapshot)").build();
    public static final Setting<Duration> SNAPSHOT_RETAIN_MIN_AGE = Setting
            .durationSetting("seedflow.snapshot.retain-min-age").flag("--snapshot-retain-min-age")
            .defaultValue(Duration.ofDays(7))
            .doc("No snapshot younger than this is retired: keep it longer than the oldest savepoint or retained "
                    + "checkpoint you may restore from.").check(d -> !d.isNegative(), ">= 0").build();
    public static final Setting<ExistingLogPolicy> EXISTING_LOG = Setting
            .enumSetting("seedflow.trainer.existing-log", ExistingLogPolicy.class).flag("--existing-log")
            .defaultValue(ExistingLogPolicy.RESUME)
            .doc("A model the trainer has no state for (a job started without a checkpoint or savepoint) whose log "
                    + "on the updates topic already has steps: RESUME continues it (the newest announced snapshot and "
                    + "the records after it, steps numbered on, events already trained dropped), REFUSE stops the job "
                    + "naming the model and its last step. Never a second step 1. Keyed and data-parallel models alike.")
            .build();
    public static final Setting<String> HOLDOUT_SOURCE = Setting.stringSetting("seedflow.trainer.holdout-source")
            .doc("Examples whose source (Kafka topic) has this name are held out: evaluated on, never trained on. "
                    + "Set by seedflow run --holdout-topic; unset = no holdout.").build();
    public static final Setting<Integer> HOLDOUT_SIZE = Setting.intSetting("seedflow.trainer.holdout-size")
            .flag("--holdout-size").defaultValue(1000).doc("How many of the newest holdout examples are kept.")
            .check(v -> v >= 1, ">= 1").build();
    public static final Setting<Integer> PREQUENTIAL_WINDOW = Setting.intSetting("seedflow.trainer.prequential-window")
            .flag("--prequential-window").defaultValue(1000)
            .doc("Test-then-train: each batch is scored by the weights before they train on it (one more forward "
                    + "pass per step); the metrics seedflowPrequentialAccuracy and seedflowPrequentialF1 cover the "
                    + "newest N examples, their *Total twins every example. 0 = off.")
            .check(v -> v >= 0 && v <= 1_000_000, "in [0, 1000000]").build();
    public static final Setting<Integer> HOLDOUT_EVAL_INTERVAL = Setting
            .intSetting("seedflow.trainer.holdout-eval-interval-steps").flag("--holdout-eval-interval-steps")
            .defaultValue(100).doc("Steps between evaluations of the holdout accuracy metric.")
            .check(v -> v >= 1, ">= 1").build();

    /** Every trainer setting, in the order of the reference table. */
    public static final List<Setting<?>> ALL = List.of(MODEL_SPEC, MODEL_INIT_SEED, LEARNING_RATE, EPSILON,
            PERTURBATIONS, WEIGHT_DECAY, GRADIENT_CLIP, SCHEDULE, TOTAL_STEPS, WARMUP_STEPS,
            FINAL_LEARNING_RATE_FRACTION, NON_FINITE_POLICY, VARIANT, MOMENTUM, MOMENTUM_TERMS, HEAD_LEARNING_RATE,
            SPARSE_MASK, SPARSITY, SPARSE_REFRESH, TRAINABLE_TENSORS, SUBSPACE_TENSORS, SUBSPACE_WINDOW,
            SUBSPACE_THRESHOLD, COMPUTE_BACKEND, RUN_SEED, BATCH_SIZE, BATCH_PIECES, PROBE_GROUPS,
            MAX_WAIT, SNAPSHOT_INTERVAL, SNAPSHOT_DIR,
            SNAPSHOT_RETAIN_NEWEST, SNAPSHOT_RETAIN_MIN_AGE, EXISTING_LOG, HOLDOUT_SOURCE, HOLDOUT_SIZE, HOLDOUT_EVAL_INTERVAL, PREQUENTIAL_WINDOW);

    private TrainerSettings() {
    }
}
