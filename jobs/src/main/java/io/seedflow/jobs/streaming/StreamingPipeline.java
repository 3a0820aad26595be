package io.seedflow.jobs.streaming;

import io.seedflow.connectors.kafka.DeadLetter;
import io.seedflow.connectors.kafka.LabeledEventDecodeFunction;
import io.seedflow.connectors.kafka.RawEvent;
import io.seedflow.connectors.kafka.SeedflowKafka;
import io.seedflow.connectors.kafka.UpdatesTopicHistory;
import io.seedflow.connectors.seal.LogSealer;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.operators.ZoTrainerFunction;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.operators.parallel.DataParallelTraining;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The streaming training job's graph: Kafka events → decode/validate (bad records to the dead-letter topic) → ZO
 * trainer keyed by model id (chained to decode at parallelism 1, see {@link #byModelId}) → update records and snapshot
 * announcements to the updates topic; all sinks exactly-once. Each model listed in
 * {@code seedflow.job.data-parallel-models} has a trainer of its own instead, trained by all subtasks together
 * ({@link DataParallelTraining}, docs/scale-out.md); its records join the others' on the updates topic. With a holdout topic, its events are decoded the same way and reach the trainer as examples it
 * evaluates on but never trains on ({@code seedflow.trainer.holdout-source}).
 *
 * <p>Every operator has a stable uid ({@link #SOURCE_UID} …), so savepoints keep mapping onto the same state when
 * the graph changes; never rename them.
 */
public final class StreamingPipeline {
    public static final String SOURCE_UID = "seedflow-events-source";
    public static final String DECODE_UID = "seedflow-decode";
    public static final String TRAINER_UID = "seedflow-trainer";
    public static final String UPDATES_SINK_UID = "seedflow-updates-sink";
    public static final String DEAD_LETTER_SINK_UID = "seedflow-dead-letter-sink";
    public static final String ANNOUNCEMENTS_SINK_UID = "seedflow-announcements-sink";
    /** The log sealer of a signed log (its state: each model's chain). */
    public static final String SEALER_UID = "seedflow-log-sealer";
    public static final String HOLDOUT_SOURCE_UID = "seedflow-holdout-source";
    public static final String HOLDOUT_DECODE_UID = "seedflow-holdout-decode";
    /** With data-parallel models: the filter in front of the keyed trainer (the other model ids). */
    public static final String KEYED_ROUTE_UID = "seedflow-keyed-models";
    /**
     * Followed by the model id: the filter in front of that model's data-parallel trainer, and the trainer (its batch
     * position assigner: the trainer's uid + "-positions").
     */
    public static final String DATA_PARALLEL_ROUTE_UID = "seedflow-data-parallel-route-";
    public static final String DATA_PARALLEL_TRAINER_UID = "seedflow-data-parallel-trainer-";

    private StreamingPipeline() {
    }

    /**
     * Adds the job to {@code env}, enables exactly-once checkpointing at the configured interval and enables object
     * reuse on {@code env}'s configuration (chained operators pass records by reference; why that is safe for this
     * job is noted where it is set).
     */
    public static void build(StreamExecutionEnvironment env, StreamingSettings settings) {
        build(env, settings, UnaryOperator.identity());
    }

    /**
     * Test hook: like {@link #build(StreamExecutionEnvironment, StreamingSettings)}, but applies
     * {@code beforeUpdatesSink} to the trainer's update stream right before the updates sink. Production code uses
     * the two-argument form (identity); tests use this to insert operators into the running job, e.g. one that throws
     * to inject a failure. The function must not drop, reorder or change records, and must return a stream of the
     * same type information.
     */
    public static void build(StreamExecutionEnvironment env, StreamingSettings settings,
            UnaryOperator<DataStream<UpdateRecord>> beforeUpdatesSink) {
        Objects.requireNonNull(beforeUpdatesSink, "beforeUpdatesSink");
        env.enableCheckpointing(settings.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // Chained operators then pass records by reference instead of deep-copying each one (the event's bytes, then
        // the example's feature array). Safe here: every function emits new objects and never changes one after
        // emitting it, the source's deserializer makes a new RawEvent per record, and the trainer, which keeps its
        // input examples (buffered in state), is the only holder of them once the decode stage has emitted them.
        // Network inputs (keyBy) deserialize into new objects whatever this setting.
        env.getConfig().enableObjectReuse();
        ModelSpec spec = settings.modelSpec();
        // the models' logs: a job started without state continues each from there, never at step 1 again, and reads
        // the events no model trained (docs/update-log-spec.md §7.3); read at run time, only on a fresh start
        UpdatesTopicHistory history = new UpdatesTopicHistory(settings.bootstrapServers(), settings.registry(),
                settings.updatesTopic(), settings.eventsTopic(), settings.deadLetterTopic(), Map.of());

        DataStream<RawEvent> raw = env.fromSource(
                SeedflowKafka.labeledEventsSource(settings.bootstrapServers(), settings.eventsTopic(),
                        settings.consumerGroup(), settings.bounded(), history),
                WatermarkStrategy.noWatermarks(), "events: " + settings.eventsTopic())
                .uid(SOURCE_UID);

        SingleOutputStreamOperator<TrainingExample> examples = raw
                .process(new LabeledEventDecodeFunction(settings.registry(), spec,
                        settings.maxTextChars(), null).skippingDeadLetteredIn(history))
                .uid(DECODE_UID).name("decode and validate");
        DataStream<TrainingExample> trainerInput = examples;
        DataStream<DeadLetter> deadLetters = examples.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS);

        if (settings.holdoutTopic().isPresent()) {
            String holdoutTopic = settings.holdoutTopic().get();
            SingleOutputStreamOperator<TrainingExample> holdout = env.fromSource(
                    SeedflowKafka.labeledEventsSource(settings.bootstrapServers(), holdoutTopic,
                            settings.consumerGroup() + "-holdout", settings.bounded()),
                    WatermarkStrategy.noWatermarks(), "holdout: " + holdoutTopic)
                    .uid(HOLDOUT_SOURCE_UID)
                    .process(new LabeledEventDecodeFunction(settings.registry(), spec,
                        settings.maxTextChars(), null))
                    .uid(HOLDOUT_DECODE_UID).name("decode and validate holdout");
            trainerInput = trainerInput.union(holdout);
            deadLetters = deadLetters.union(holdout.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS));
        }

        List<String> dataParallel = settings.dataParallelModels();
        DataStream<TrainingExample> keyedInput = dataParallel.isEmpty() ? trainerInput
                : trainerInput.filter(new ModelIdFilter(dataParallel, false)).uid(KEYED_ROUTE_UID)
                        .name("models trained by one subtask each");
        SingleOutputStreamOperator<UpdateRecord> keyedUpdates = byModelId(keyedInput, env.getParallelism())
                .process(new ZoTrainerFunction(settings.trainerConfig(), history))
                .uid(TRAINER_UID).name("ZO trainer");
        DataStream<UpdateRecord> updates = keyedUpdates;
        DataStream<SnapshotAnnouncement> announcements = keyedUpdates.getSideOutput(ZoTrainerFunction.SNAPSHOTS);
        for (String modelId : dataParallel) {
            SingleOutputStreamOperator<UpdateRecord> trained = DataParallelTraining.train(trainerInput
                    .filter(new ModelIdFilter(List.of(modelId), true))
                    .uid(DATA_PARALLEL_ROUTE_UID + modelId).name("model " + modelId),
                    modelId, settings.trainerConfig(), history, DATA_PARALLEL_TRAINER_UID + modelId);
            updates = updates.union(trained);
            announcements = announcements.union(trained.getSideOutput(ZoTrainerFunction.SNAPSHOTS));
        }

        if (settings.signingKey().isPresent()) {
            sealed(updates, announcements, settings, history, beforeUpdatesSink);
        } else {
            announcements
                    .sinkTo(SeedflowKafka.announcementsSink(settings.bootstrapServers(), settings.updatesTopic(),
                            settings.registry(), settings.transactionalIdPrefix() + "-announcements",
                            settings.updatesEncoding()))
                    .uid(ANNOUNCEMENTS_SINK_UID).name("snapshot announcements: " + settings.updatesTopic());
            beforeUpdatesSink.apply(updates).sinkTo(SeedflowKafka.updatesSink(settings.bootstrapServers(),
                            settings.updatesTopic(), settings.registry(), settings.transactionalIdPrefix() + "-updates",
                            settings.updatesEncoding()))
                    .uid(UPDATES_SINK_UID).name("updates: " + settings.updatesTopic());
        }

        deadLetters.sinkTo(SeedflowKafka.deadLetterSink(settings.bootstrapServers(), settings.deadLetterTopic(),
                        settings.transactionalIdPrefix() + "-dead-letters", settings.deadLetterMaxBytes()))
                .uid(DEAD_LETTER_SINK_UID).name("dead letters: " + settings.deadLetterTopic());
    }

    /**
     * A signed log (docs/update-log-spec.md §10): the records and announcements pass the {@link LogSealer}, which
     * chains the records, signs the announcements and seals every checkpoint; the same two sinks (uids, transactional
     * ids) write them, the announcements sink also the seals.
     */
    private static void sealed(DataStream<UpdateRecord> updates, DataStream<SnapshotAnnouncement> announcements,
            StreamingSettings settings, UpdatesTopicHistory history,
            UnaryOperator<DataStream<UpdateRecord>> beforeUpdatesSink) {
        DataStream<UpdateRecord> records = beforeUpdatesSink.apply(updates);
        SingleOutputStreamOperator<UpdateRecord> sealer = records.connect(announcements)
                .transform("sign the log", records.getType(), new LogSealer(JobSettings.SIGNING_KEY.key(),
                        settings.signingKey().orElseThrow(), settings.trainerConfig().snapshotInterval(), history))
                .uid(SEALER_UID);
        sealer.getSideOutput(LogSealer.NOTICES)
                .sinkTo(SeedflowKafka.noticesSink(settings.bootstrapServers(), settings.updatesTopic(),
                        settings.registry(), settings.transactionalIdPrefix() + "-announcements"))
                .uid(ANNOUNCEMENTS_SINK_UID).name("signed announcements and seals: " + settings.updatesTopic());
        sealer.sinkTo(SeedflowKafka.updatesSink(settings.bootstrapServers(), settings.updatesTopic(),
                        settings.registry(), settings.transactionalIdPrefix() + "-updates", settings.updatesEncoding()))
                .uid(UPDATES_SINK_UID).name("updates: " + settings.updatesTopic());
    }

    /**
     * The trainer's input keyed by model id, without a network hop where none is needed.
     *
     * <p>At parallelism 1 every key group of every model id belongs to the one trainer subtask, so each example is
     * already where {@code keyBy} would send it. The stream is then only reinterpreted as keyed
     * ({@link DataStreamUtils#reinterpretAsKeyedStream}): a forward edge, so decode and trainer chain into one task,
     * with no serialization of the 784 floats, no network buffers and no hand-off between threads. This is correct
     * only because every key maps to that one subtask; the parallelism is the one the graph is built with, and a
     * rescaled restore builds the graph anew (the {@code keyBy} branch). At any other parallelism, or when the
     * environment leaves it to the cluster ({@code -1}), the examples are hash-partitioned by model id with
     * {@code keyBy}.
     *
     * <p>Both forms key the same state the same way (the model id, hashed into the same key groups) under the same
     * trainer uid, so a savepoint taken at parallelism 1 restores at a larger one and back.
     */
    static KeyedStream<TrainingExample, String> byModelId(DataStream<TrainingExample> examples, int parallelism) {
        KeySelector<TrainingExample, String> modelId = e -> e.modelId;
        return parallelism == 1
                ? DataStreamUtils.reinterpretAsKeyedStream(examples, modelId, Types.STRING)
                : examples.keyBy(modelId, Types.STRING);
    }
}
