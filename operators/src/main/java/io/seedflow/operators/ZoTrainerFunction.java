package io.seedflow.operators;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.compute.ComputeBackends;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.error.ForkedLogException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.LogHistory;
import io.seedflow.core.log.ModelHistory;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.InputCodec;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.zo.BatchPieces;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import io.seedflow.operators.internal.BatchAssembler;
import io.seedflow.operators.internal.GpuDevice;
import io.seedflow.operators.internal.LogResume;
import io.seedflow.operators.internal.LogTail;
import io.seedflow.operators.internal.SnapshotRestore;
import io.seedflow.operators.internal.SnapshotPointer;
import io.seedflow.operators.internal.SnapshotRetention;
import io.seedflow.operators.internal.SnapshotUploader;
import io.seedflow.operators.internal.TrainerMetrics;
import io.seedflow.operators.internal.TrainedEvents;
import io.seedflow.operators.internal.TrainerStateCodec;
import io.seedflow.operators.internal.UpdateRecordTypeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZO trainer, keyed by model id: gathers examples into mini-batches, runs one MeZO step per batch through core
 * and emits its {@link UpdateRecord} (seeds, coefficients, lineage).
 *
 * <p>Checkpoints stay small: the keyed state holds a pointer to the last completely stored snapshot, the update
 * records since it (the log tail, a versioned binary layout), the examples buffered for the next batch and the next
 * step; never the weights. The weights live per key in a transient {@link ModelTrainer}. On first use of a key the
 * base snapshot (initial weights) is stored synchronously; after every step that is a multiple of
 * {@code snapshot-interval-steps} a snapshot is taken (encoded on the task thread, so the records after it name it
 * at once) and stored asynchronously through Flink's FileSystem by a {@link SnapshotUploader}. Only when the upload
 * has completed does the pointer move, the tail shrink to the records after it, and a
 * {@link SnapshotAnnouncement} go out on {@link #SNAPSHOTS}. After a restore the first element or timer of a key
 * loads its snapshot, verifies its SHA-256 and replays the tail (re-taking the snapshots the tail went past), so
 * training continues bit for bit.
 *
 * <p>Lifecycle: constructed with validated settings at job build time; {@link #open} creates state handles and
 * metrics; {@link #processElement} buffers, trains full batches; {@link #onTimer} trains a partial batch once
 * {@code max-wait} of processing time has passed since its first example, or at the end of a bounded input (the
 * final watermark), and completes snapshot uploads; {@link #close} releases backends and the uploader.
 * Examples from the holdout source ({@code seedflow.trainer.holdout-source}) are kept in keyed state (the newest
 * {@code holdout-size}) and evaluated on every {@code holdout-eval-interval-steps} steps (metric
 * {@code seedflowHoldoutAccuracy}), never trained on; they survive restores. Every batch is first scored by the
 * weights before they train on it (prequential, test-then-train: {@code seedflowPrequentialAccuracy} / {@code F1} over
 * the newest {@code prequential-window} examples and in total), the score also in keyed state.
 *
 * <p>Input is validated upstream, once: the job's decode stage checks every example against the same model spec
 * (feature count, finite values, label range) and dead-letters the bad ones. The trainer only checks, in constant
 * time, that an example fits the spec's shape (feature count, label range), so that a job wiring a decode stage of
 * another spec fails loudly instead of training on misaligned rows; it does not re-scan the values.
 *
 * <p>Old snapshots are retired by {@link SnapshotRetention} ({@code seedflow.snapshot.retain-*}): at each checkpoint
 * the function notes every loaded model's pointer; when that checkpoint completes, snapshots below it, outside the
 * newest few and older than the minimum age are deleted on the upload thread.
 */
public class ZoTrainerFunction extends KeyedProcessFunction<String, TrainingExample, UpdateRecord>
        implements ResultTypeQueryable<UpdateRecord>, CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    /** How often a key with snapshot uploads in flight checks whether they completed. */
    private static final long UPLOAD_POLL_MILLIS = 100;
    private static final long END_OF_INPUT = Long.MAX_VALUE;
    private static final java.time.Duration END_OF_INPUT_UPLOAD_WAIT = java.time.Duration.ofMinutes(5);

    /** One announcement per stored snapshot (the base snapshot included), in step order per model. */
    private static final Logger LOG = LoggerFactory.getLogger(ZoTrainerFunction.class);
    public static final OutputTag<SnapshotAnnouncement> SNAPSHOTS =
            new OutputTag<>("seedflow-snapshots", TypeInformation.of(SnapshotAnnouncement.class));

    private final TrainerConfig config;
    /** Where a model without state here finds its log (RESUME or REFUSE, {@link TrainerConfig#existingLog()}). */
    private final LogHistory history;

    private transient ModelSpec spec;
    /** The family's input codec (the shape check of every example), made once. */
    private transient InputCodec codec;
    private transient ZoOptions options;
    private transient int batchSize;
    /** One subtask per model: the configured pieces (0 = 1), see {@link BatchPieces}. */
    private transient BatchPieces pieces;
    private transient long maxWaitMillis;
    private transient int snapshotInterval;
    private transient KeyedModelScores scores;
    private transient Map<String, TrainingSession> trainers;
    /** Per loaded model: {@link #trainedBeforeResume} decoded once (empty: none), read for every example. */
    private transient Map<String, List<Lineage>> trainedBefore;
    private transient SnapshotUploader uploader;
    private transient TrainerMetrics metrics;
    private transient BackendFactory backends;
    private transient SnapshotRetention retention;
    /** The pointer step of each loaded model, as in its keyed state (mirrored: checkpoints see no key context). */
    private transient Map<String, Long> pointerSteps;
    /** Pointer steps noted per checkpoint id, until that checkpoint completes or a later one does. */
    private transient TreeMap<Long, Map<String, Long>> pointersAtCheckpoint;

    private transient ValueState<byte[]> snapshotPointer;
    private transient ListState<byte[]> logTail;
    private transient ListState<TrainingExample> buffered;
    private transient ValueState<Integer> bufferedCount;
    private transient ValueState<Long> nextStep;
    private transient ValueState<Long> flushTimer;
    /** Events the log had trained when the model was resumed from it (dropped when read again); null: none. */
    private transient ValueState<byte[]> trainedBeforeResume;

    /** @param config the trainer's settings, validated when the job was built */
    public ZoTrainerFunction(TrainerConfig config) {
        this(config, LogHistory.NONE);
    }

    /**
     * @param config the trainer's settings, validated when the job was built
     * @param history where a model this trainer has no state for finds its log, to continue or refuse
     */
    public ZoTrainerFunction(TrainerConfig config, LogHistory history) {
        this.config = config;
        this.history = history;
    }

    /** @param conf the {@link ZoTrainerOptions} settings; resolved here, so a bad value fails at job build time */
    public ZoTrainerFunction(Configuration conf) {
        this(ZoTrainerOptions.resolve(conf));
    }

    @Override
    public void open(OpenContext openContext) {
        spec = config.spec();
        codec = spec.inputCodec();
        options = config.zo();
        batchSize = config.batchSize();
        pieces = BatchPieces.of(batchSize, config.batchPieces(), 1);
        maxWaitMillis = config.maxWait().toMillis();
        snapshotInterval = config.snapshotInterval();
        trainers = new HashMap<>();
        trainedBefore = new HashMap<>();
        uploader = new SnapshotUploader(new FileSystemSnapshotStore(config.snapshotDir()),
                System::currentTimeMillis, "seedflow-snapshot-upload-"
                        + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        retention = new SnapshotRetention(config.retainNewest(), config.retainMinAge());
        pointerSteps = new HashMap<>();
        pointersAtCheckpoint = new TreeMap<>();
        metrics = new TrainerMetrics(getRuntimeContext().getMetricGroup(), System::currentTimeMillis);
        BackendChoice choice = config.backend();
        backends = BackendFactory.of(choice, GpuDevice.indexOf(getRuntimeContext()));
        ComputeBackends.requireUsable(choice, spec); // fail at start, not on the first record

        TypeInformation<byte[]> bytes = PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        snapshotPointer = getRuntimeContext().getState(new ValueStateDescriptor<>("snapshot-pointer", bytes));
        logTail = getRuntimeContext().getListState(new ListStateDescriptor<>("log-tail", bytes));
        buffered = getRuntimeContext().getListState(
                new ListStateDescriptor<>("buffered-examples", TypeInformation.of(TrainingExample.class)));
        bufferedCount = getRuntimeContext().getState(new ValueStateDescriptor<>("buffered-count", Types.INT));
        nextStep = getRuntimeContext().getState(new ValueStateDescriptor<>("next-step", Types.LONG));
        flushTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("flush-timer", Types.LONG));
        trainedBeforeResume = getRuntimeContext().getState(new ValueStateDescriptor<>("trained-before-resume",
                bytes));
        scores = new KeyedModelScores(getRuntimeContext(), config, metrics);
    }

    @Override
    public void processElement(TrainingExample example, Context ctx, Collector<UpdateRecord> out) throws Exception {
        requireFitsSpec(example);
        trainer(ctx);
        completeSnapshots(ctx);
        List<Lineage> trained = trainedBefore.get(ctx.getCurrentKey());
        if (!trained.isEmpty() && TrainedEvents.contains(trained, example)) {
            metrics.alreadyTrained();
            return; // the log this model continues had trained it
        }
        if (scores.keptAsHoldout(example)) {
            return;
        }
        buffered.add(example);
        Integer count = bufferedCount.value();
        int n = count == null ? 1 : count + 1;
        bufferedCount.update(n);
        if (n >= batchSize) {
            train(ctx, out);
        } else if (n == 1) {
            long at = ctx.timerService().currentProcessingTime() + maxWaitMillis;
            ctx.timerService().registerProcessingTimeTimer(at);
            flushTimer.update(at);
            // fires on the final watermark of a bounded input, so its last partial batch is trained too
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        }
    }

    /** Constant time: the values were checked by the decode stage (see the class comment). */
    private void requireFitsSpec(TrainingExample example) {
        java.util.Optional<String> misfit = codec.misfit(example);
        if (misfit.isPresent()) {
            throw new IllegalArgumentException("the trainer of model spec " + spec.toText() + " " + misfit.get()
                    + ", got " + example + " with label " + example.label + "; its input must come from a decode "
                    + "stage that validates against the same spec");
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<UpdateRecord> out) throws Exception {
        trainer(ctx);
        completeSnapshots(ctx);
        boolean endOfInput = ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == END_OF_INPUT;
        Long due = flushTimer.value();
        if (endOfInput || (due != null && due == timestamp)) {
            train(ctx, out);
        }
        if (endOfInput) {
            // no processing-time timer fires after the end of a bounded input: finish the uploads now, so the
            // last snapshots move the pointer and are announced before the final checkpoint
            uploader.awaitAll(ctx.getCurrentKey(), END_OF_INPUT_UPLOAD_WAIT);
            completeSnapshots(ctx);
        }
    }

    private void train(Context ctx, Collector<UpdateRecord> out) throws Exception {
        String modelId = ctx.getCurrentKey();
        TrainingSession trainer = trainer(ctx);
        List<TrainingExample> examples = new ArrayList<>();
        for (TrainingExample e : buffered.get()) {
            examples.add(e);
        }
        Long due = flushTimer.value();
        if (due != null) {
            ctx.timerService().deleteProcessingTimeTimer(due);
            flushTimer.clear();
        }
        buffered.clear();
        bufferedCount.clear();
        if (examples.isEmpty()) {
            return;
        }
        Batch batch = codec.batch(examples);
        scores.scorePrequentially(trainer, batch);
        List<Lineage> lineage = BatchAssembler.lineage(examples);
        UpdateRecord record = pieces.pieces() == 1 ? trainer.step(batch, lineage)
                : trainer.step(batch, lineage, pieces);
        metrics.stepped(record);
        nextStep.update(record.step() + 1);
        logTail.add(TrainerStateCodec.encodeRecord(record));
        if (record.step() % snapshotInterval == 0) {
            submit(ctx, List.of(trainer.takeSnapshot()));
        }
        scores.stepped(trainer, record.step());
        out.collect(record);
    }

    private void submit(Context ctx, List<EncodedSnapshot> snapshots) {
        if (snapshots.isEmpty()) {
            return;
        }
        snapshots.forEach(uploader::submit);
        ctx.timerService().registerProcessingTimeTimer(
                ctx.timerService().currentProcessingTime() + UPLOAD_POLL_MILLIS);
        ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
    }

    /** Announces the current key's newly stored snapshots, moves the pointer to the newest and shrinks the tail. */
    private void completeSnapshots(Context ctx) throws Exception {
        String modelId = ctx.getCurrentKey();
        List<SnapshotPointer> completed = uploader.completed(modelId);
        for (SnapshotPointer done : completed) {
            metrics.snapshotStored(done, true);
            ctx.output(SNAPSHOTS, done.announcement(modelId)); // every stored snapshot is announced, in step order
        }
        if (!completed.isEmpty()) {
            SnapshotPointer stored = completed.get(completed.size() - 1);
            snapshotPointer.update(TrainerStateCodec.encodePointer(stored));
            pointerSteps.put(modelId, stored.step());
            logTail.update(LogTail.keptAfterSnapshot(logTail.get(), stored.step(),
                    trainers.get(modelId).historySteps()));
        }
        if (uploader.pending(modelId)) {
            ctx.timerService().registerProcessingTimeTimer(
                    ctx.timerService().currentProcessingTime() + UPLOAD_POLL_MILLIS);
        }
    }

    /** The key's in-memory trainer: existing, restored from snapshot + tail, or created from a new base snapshot. */
    private TrainingSession trainer(Context ctx) throws Exception {
        String modelId = ctx.getCurrentKey();
        TrainingSession trainer = trainers.get(modelId);
        if (trainer != null) {
            return trainer;
        }
        byte[] pointerBytes = snapshotPointer.value();
        java.util.Optional<ModelHistory> past = pointerBytes != null ? java.util.Optional.empty()
                : history.of(modelId, ZoSgdTrainer.historySteps(options));
        if (past.isPresent()) {
            trainer = resume(ctx, past.get());
        } else if (pointerBytes == null) {
            TrainingSession.Started started = TrainingSession.fresh(modelId, spec, options,
                    config.initSeed(), backends);
            SnapshotPointer base = uploader.storeNow(started.snapshotsToStore().get(0));
            snapshotPointer.update(TrainerStateCodec.encodePointer(base));
            pointerSteps.put(modelId, base.step());
            nextStep.update(base.step() + 1);
            trainer = started.session();
            metrics.restored(0, base);
            ctx.output(SNAPSHOTS, base.announcement(modelId));
        } else {
            SnapshotPointer pointer = TrainerStateCodec.decodePointer(pointerBytes);
            pointerSteps.put(modelId, pointer.step());
            List<UpdateRecord> tail = LogTail.decoded(logTail.get());
            TrainingSession.Started started = SnapshotRestore.restore(uploader.store(), modelId, spec, options, pointer, tail,
                    snapshotInterval, backends);
            trainer = started.session();
            Long expected = nextStep.value();
            if (expected == null || expected != trainer.version() + 1) {
                trainer.close();
                throw new IllegalStateException("trainer state of model '" + modelId + "' is inconsistent: snapshot "
                        + "step " + pointer.step() + " + the tail records after it give version "
                        + trainer.version() + " but next-step is " + expected + "; restore from an older checkpoint");
            }
            java.util.Optional<ModelRollback> rollback = requireNotForked(trainer,
                    tail.isEmpty() ? null : tail.get(tail.size() - 1));
            if (rollback.isPresent()) {
                trainer.close();
                trainer = takeUp(rollback.get());
            } else {
                submit(ctx, started.snapshotsToStore());
                metrics.restored(trainer.version(), pointer);
            }
        }
        trainers.put(modelId, trainer);
        byte[] trained = trainedBeforeResume.value();
        trainedBefore.put(modelId, trained == null ? List.of() : TrainedEvents.decode(trained));
        return trainer;
    }

    /**
     * After a restore from this trainer's own state: the rollback appended right after it, to take up; refuses,
     * without restarts, a model another trainer continued.
     */
    private java.util.Optional<ModelRollback> requireNotForked(TrainingSession trainer, UpdateRecord ownLast) {
        try {
            return history.afterRestore(trainer.modelId(), trainer.version(),
                    ownLast != null && ownLast.step() == trainer.version() ? ownLast : null);
        } catch (ForkedLogException e) {
            trainer.close();
            throw new SuppressRestartsException(e);
        }
    }

    /**
     * The rollback an operator appended while this job was stopped (docs/update-log-spec.md §11): the trainer goes on
     * from its snapshot, the weights of the version rolled back to, with its history afresh.
     */
    private TrainingSession takeUp(ModelRollback rollback) throws Exception {
        String modelId = rollback.modelId();
        SnapshotPointer pointer = SnapshotPointer.of(rollback.announcement());
        TrainingSession trainer = SnapshotRestore.restore(uploader.store(), modelId, spec, options, pointer,
                List.of(), snapshotInterval, backends).session();
        snapshotPointer.update(TrainerStateCodec.encodePointer(pointer));
        pointerSteps.put(modelId, pointer.step());
        logTail.update(List.of());
        nextStep.update(trainer.version() + 1);
        metrics.restored(trainer.version(), pointer);
        LOG.info("model '{}': taking up the rollback of step {} to the weights of version {}; training on at step {}",
                modelId, rollback.step(), rollback.toVersion(), trainer.version() + 1);
        return trainer;
    }

    /**
     * A model without state here whose log has steps: continues that log (the newest announced snapshot, the records
     * after it replayed bit for bit, steps numbered on), or refuses without restarts under REFUSE.
     */
    private TrainingSession resume(Context ctx, ModelHistory past) throws Exception {
        String modelId = past.modelId();
        SnapshotPointer pointer = LogResume.snapshotToContinue(config.existingLog(), past);
        TrainingSession.Started started = SnapshotRestore.restore(uploader.store(), modelId, spec, options, pointer,
                past.records(), snapshotInterval, backends);
        TrainingSession trainer = started.session();
        snapshotPointer.update(TrainerStateCodec.encodePointer(pointer));
        pointerSteps.put(modelId, pointer.step());
        logTail.update(past.records().stream().map(TrainerStateCodec::encodeRecord).toList());
        nextStep.update(trainer.version() + 1);
        if (!past.trainedAfterResume().isEmpty()) {
            trainedBeforeResume.update(TrainedEvents.encode(past.trainedAfterResume()));
        }
        submit(ctx, started.snapshotsToStore());
        metrics.restored(trainer.version(), pointer);
        LOG.info("model '{}': no state, continuing its log from the snapshot of step {} ({} records replayed) at "
                + "step {}", modelId, pointer.step(), past.records().size(), trainer.version() + 1);
        return trainer;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        // all state is keyed (open); pointers are noted per checkpoint only for retirement
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        if (retention.enabled()) {
            pointersAtCheckpoint.put(context.getCheckpointId(), new HashMap<>(pointerSteps));
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        Map<String, Long> floors = pointersAtCheckpoint.get(checkpointId);
        pointersAtCheckpoint.headMap(checkpointId, true).clear();
        if (floors == null || uploader == null) {
            return;
        }
        // the checkpoint's pointers are durable now: a restore from it (or any later one) needs nothing older
        floors.forEach((modelId, floor) -> uploader.retire(modelId, floor, retention));
    }

    @Override
    public void close() throws Exception {
        if (trainers != null) {
            for (TrainingSession t : trainers.values()) {
                t.close();
            }
            trainers.clear();
        }
        if (uploader != null) {
            uploader.close();
        }
    }

    @Override
    public TypeInformation<UpdateRecord> getProducedType() {
        return new UpdateRecordTypeInfo();
    }

    /** The newest prequential score of the model last scored (total, over every example); for tests and diagnostics. */
    public Evaluation lastPrequentialTotal() {
        return scores == null ? null : scores.lastPrequentialTotal();
    }

    /** The newest holdout accuracy (NaN before the first evaluation); for tests and diagnostics. */
    public double lastHoldoutAccuracy() {
        return scores == null ? Double.NaN : scores.lastHoldoutAccuracy();
    }

    /** SHA-256 of the live weights of {@code modelId} (null if not loaded); for tests and diagnostics. */
    public String weightsSha256(String modelId) {
        TrainingSession t = trainers == null ? null : trainers.get(modelId);
        return t == null ? null : t.weightsSha256();
    }
}
