package io.seedflow.jobs.streaming;

import io.seedflow.connectors.kafka.DeadLetter;
import io.seedflow.connectors.kafka.LabeledEventDecodeFunction;
import io.seedflow.connectors.kafka.RawEvent;
import io.seedflow.connectors.kafka.SeedflowKafka;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.operators.ZoTrainerFunction;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The streaming training job's graph: Kafka events → decode/validate (bad records to the dead-letter topic) → ZO
 * trainer keyed by model id → update records and snapshot announcements to the updates topic; all sinks
 * exactly-once. With a holdout topic, its events are decoded the same way and reach the trainer as examples it
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
    public static final String HOLDOUT_SOURCE_UID = "seedflow-holdout-source";
    public static final String HOLDOUT_DECODE_UID = "seedflow-holdout-decode";

    private StreamingPipeline() {
    }

    /** Adds the job to {@code env} and enables exactly-once checkpointing at the configured interval. */
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
        ModelSpec spec = settings.modelSpec();

        DataStream<RawEvent> raw = env.fromSource(
                SeedflowKafka.labeledEventsSource(settings.bootstrapServers(), settings.eventsTopic(),
                        settings.consumerGroup(), settings.bounded()),
                WatermarkStrategy.noWatermarks(), "events: " + settings.eventsTopic())
                .uid(SOURCE_UID);

        SingleOutputStreamOperator<TrainingExample> examples = raw
                .process(new LabeledEventDecodeFunction(settings.registry(), spec.toText(),
                        settings.maxTextChars(), null))
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
                    .process(new LabeledEventDecodeFunction(settings.registry(), spec.toText(),
                        settings.maxTextChars(), null))
                    .uid(HOLDOUT_DECODE_UID).name("decode and validate holdout");
            trainerInput = trainerInput.union(holdout);
            deadLetters = deadLetters.union(holdout.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS));
        }

        SingleOutputStreamOperator<UpdateRecord> updates = trainerInput
                .keyBy(e -> e.modelId)
                .process(new ZoTrainerFunction(settings.trainerConfiguration()))
                .uid(TRAINER_UID).name("ZO trainer");

        updates.getSideOutput(ZoTrainerFunction.SNAPSHOTS)
                .sinkTo(SeedflowKafka.announcementsSink(settings.bootstrapServers(), settings.updatesTopic(),
                        settings.registry(), settings.transactionalIdPrefix() + "-announcements",
                        settings.updatesEncoding()))
                .uid(ANNOUNCEMENTS_SINK_UID).name("snapshot announcements: " + settings.updatesTopic());

        beforeUpdatesSink.apply(updates).sinkTo(SeedflowKafka.updatesSink(settings.bootstrapServers(), settings.updatesTopic(),
                        settings.registry(), settings.transactionalIdPrefix() + "-updates",
                        settings.updatesEncoding()))
                .uid(UPDATES_SINK_UID).name("updates: " + settings.updatesTopic());

        deadLetters.sinkTo(SeedflowKafka.deadLetterSink(settings.bootstrapServers(), settings.deadLetterTopic(),
                        settings.transactionalIdPrefix() + "-dead-letters", settings.deadLetterMaxBytes()))
                .uid(DEAD_LETTER_SINK_UID).name("dead letters: " + settings.deadLetterTopic());
    }
}
