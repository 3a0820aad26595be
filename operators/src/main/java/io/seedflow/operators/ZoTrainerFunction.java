package io.seedflow.operators;

import io.seedflow.core.data.TrainingExample;

import io.seedflow.core.data.ExampleValidator;
import io.seedflow.core.data.Rejection;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.operators.internal.BatchAssembler;
import io.seedflow.operators.internal.ModelTrainer;
import io.seedflow.operators.internal.SnapshotPointer;
import io.seedflow.operators.internal.TrainerStateCodec;
import io.seedflow.operators.internal.UpdateRecordTypeInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The ZO trainer, keyed by model id: gathers examples into mini-batches, runs one MeZO step per batch through core
 * and emits its {@link UpdateRecord} (seeds, coefficients, lineage).
 *
 * <p>Checkpoints stay small: the keyed state holds a pointer to the last snapshot, the update records since it (the
 * log tail, a versioned binary layout), the examples buffered for the next batch and the next step; never the
 * weights. The weights live per key in a transient {@link ModelTrainer}. On first use of a key the base snapshot
 * (initial weights) is written to the snapshot store; every {@code snapshot-interval-steps} steps a new snapshot is
 * written (synchronously, for now) and the tail truncated. After a restore the first element or timer of a key
 * loads its snapshot, verifies its SHA-256 and replays the tail, so training continues bit for bit.
 *
 * <p>Lifecycle: constructed with validated settings at job build time; {@link #open} creates state handles;
 * {@link #processElement} buffers, trains full batches; {@link #onTimer} trains a partial batch once
 * {@code max-wait} of processing time has passed since its first example; {@link #close} releases backends.
 * Examples the model cannot take go to {@link #REJECTED} (the job's decode stage should have dead-lettered them).
 */
public class ZoTrainerFunction extends KeyedProcessFunction<String, TrainingExample, UpdateRecord>
        implements ResultTypeQueryable<UpdateRecord> {
    private static final long serialVersionUID = 1L;

    /** Examples refused by {@link ExampleValidator}; they are not trained on and take no step. */
    public static final OutputTag<TrainingExample> REJECTED =
            new OutputTag<>("seedflow-rejected-examples", TypeInformation.of(TrainingExample.class));

    private final Configuration conf;

    private transient MlpSpec spec;
    private transient ZoOptions options;
    private transient SnapshotStore store;
    private transient ExampleValidator validator;
    private transient int batchSize;
    private transient long maxWaitMillis;
    private transient int snapshotInterval;
    private transient Map<String, ModelTrainer> trainers;
    private transient Counter rejectedCounter;
    private transient Counter stepCounter;

    private transient ValueState<byte[]> snapshotPointer;
    private transient ListState<byte[]> logTail;
    private transient ListState<TrainingExample> buffered;
    private transient ValueState<Integer> bufferedCount;
    private transient ValueState<Long> nextStep;
    private transient ValueState<Long> flushTimer;

    /** @param conf the {@link ZoTrainerOptions} settings; validated here, so a bad value fails at job build time */
    public ZoTrainerFunction(Configuration conf) {
        ZoTrainerOptions.validate(conf);
        this.conf = new Configuration(conf);
    }

    @Override
    public void open(OpenContext openContext) {
        spec = MlpSpec.parse(conf.get(ZoTrainerOptions.MODEL_SPEC));
        options = ZoTrainerOptions.zoOptions(conf);
        store = new SnapshotStore(Path.of(conf.get(ZoTrainerOptions.SNAPSHOT_DIR)));
        validator = new ExampleValidator(spec.inputs(), spec.classes());
        batchSize = conf.get(ZoTrainerOptions.BATCH_SIZE);
        maxWaitMillis = conf.get(ZoTrainerOptions.MAX_WAIT).toMillis();
        snapshotInterval = conf.get(ZoTrainerOptions.SNAPSHOT_INTERVAL);
        trainers = new HashMap<>();
        rejectedCounter = getRuntimeContext().getMetricGroup().counter("seedflowRejectedExamples");
        stepCounter = getRuntimeContext().getMetricGroup().counter("seedflowSteps");

        TypeInformation<byte[]> bytes = PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        snapshotPointer = getRuntimeContext().getState(new ValueStateDescriptor<>("snapshot-pointer", bytes));
        logTail = getRuntimeContext().getListState(new ListStateDescriptor<>("log-tail", bytes));
        buffered = getRuntimeContext().getListState(
                new ListStateDescriptor<>("buffered-examples", TypeInformation.of(TrainingExample.class)));
        bufferedCount = getRuntimeContext().getState(new ValueStateDescriptor<>("buffered-count", Types.INT));
        nextStep = getRuntimeContext().getState(new ValueStateDescriptor<>("next-step", Types.LONG));
        flushTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("flush-timer", Types.LONG));
    }

    @Override
    public void processElement(TrainingExample example, Context ctx, Collector<UpdateRecord> out) throws Exception {
        Optional<Rejection> rejection = validator.check(example.features, example.label);
        if (rejection.isPresent()) {
            rejectedCounter.inc();
            ctx.output(REJECTED, example);
            return;
        }
        trainer(ctx.getCurrentKey());
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
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<UpdateRecord> out) throws Exception {
        Long due = flushTimer.value();
        if (due != null && due == timestamp) {
            train(ctx, out);
        }
    }

    private void train(Context ctx, Collector<UpdateRecord> out) throws Exception {
        String modelId = ctx.getCurrentKey();
        ModelTrainer trainer = trainer(modelId);
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
        UpdateRecord record = trainer.step(BatchAssembler.batch(examples, spec.inputs()),
                BatchAssembler.lineage(examples));
        stepCounter.inc();
        nextStep.update(record.step() + 1);
        if (record.step() % snapshotInterval == 0) {
            snapshotPointer.update(TrainerStateCodec.encodePointer(trainer.snapshot()));
            logTail.clear();
        } else {
            logTail.add(TrainerStateCodec.encodeRecord(record));
        }
        out.collect(record);
    }

    /** The key's in-memory trainer: existing, restored from snapshot + tail, or created from a new base snapshot. */
    private ModelTrainer trainer(String modelId) throws Exception {
        ModelTrainer trainer = trainers.get(modelId);
        if (trainer != null) {
            return trainer;
        }
        byte[] pointerBytes = snapshotPointer.value();
        if (pointerBytes == null) {
            trainer = ModelTrainer.createBase(modelId, spec, options, store, conf.get(ZoTrainerOptions.MODEL_INIT_SEED));
            SnapshotPointer base = trainer.snapshotPointer();
            snapshotPointer.update(TrainerStateCodec.encodePointer(base));
            nextStep.update(base.step() + 1);
        } else {
            SnapshotPointer pointer = TrainerStateCodec.decodePointer(pointerBytes);
            List<UpdateRecord> tail = new ArrayList<>();
            for (byte[] b : logTail.get()) {
                tail.add(TrainerStateCodec.decodeRecord(b));
            }
            trainer = ModelTrainer.restore(modelId, spec, options, store, pointer, tail);
            Long expected = nextStep.value();
            if (expected == null || expected != trainer.version() + 1) {
                throw new IllegalStateException("trainer state of model '" + modelId + "' is inconsistent: snapshot "
                        + "step " + pointer.step() + " + " + tail.size() + " tail records gives version "
                        + trainer.version() + " but next-step is " + expected + "; restore from an older checkpoint");
            }
        }
        trainers.put(modelId, trainer);
        return trainer;
    }

    @Override
    public void close() throws Exception {
        if (trainers != null) {
            for (ModelTrainer t : trainers.values()) {
                t.close();
            }
            trainers.clear();
        }
    }

    @Override
    public TypeInformation<UpdateRecord> getProducedType() {
        return new UpdateRecordTypeInfo();
    }

    /** SHA-256 of the live weights of {@code modelId} (null if not loaded); for tests and diagnostics. */
    public String weightsSha256(String modelId) {
        ModelTrainer t = trainers == null ? null : trainers.get(modelId);
        return t == null ? null : t.weightsSha256();
    }
}
