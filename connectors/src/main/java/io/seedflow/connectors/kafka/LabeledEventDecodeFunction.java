package io.seedflow.connectors.kafka;

import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.registry.SchemaRegistryException;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.core.data.ExampleValidator;
import io.seedflow.core.data.RejectionReason;
import io.seedflow.core.data.TextExampleValidator;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.error.InvalidTextException;
import io.seedflow.core.model.InputCodec;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.schemas.LabeledEvent;
import java.util.HashMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes each {@link RawEvent} as a Confluent-wire-format {@link LabeledEvent} ({@link LabeledEventReader}: the
 * features straight into a {@code float[]}) and checks it with its model family's {@link InputCodec} (core's
 * {@link ExampleValidator} for dense features; for a text model {@link TextExampleValidator}, tokenizing the text
 * here, once); good events become
 * {@link TrainingExample}s (with topic/partition/offset as their lineage, and the decoded feature array itself, not a
 * copy), bad ones go to {@link #DEAD_LETTERS} with a {@link RejectionReason} and their original bytes. This is the
 * only validation on the ingest path: the trainer takes what passes here as valid for the same model spec.
 *
 * <p>Only faults of the record are dead-lettered. A {@link SchemaRegistryException} (registry unreachable or
 * refusing) is not: it propagates and fails the task, so that Flink restarts from the last checkpoint and retries
 * the record instead of losing a good event.
 *
 * <p>Lifecycle: constructed at job build time with validated settings; {@link #open} creates the registry client
 * and reader; {@link #close} closes the client.
 */
public final class LabeledEventDecodeFunction extends ProcessFunction<RawEvent, TrainingExample>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    /** Records that cannot be trained on. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("seedflow-dead-letters", TypeInformation.of(DeadLetter.class));

    private final HashMap<String, String> registry;
    private final ModelSpec spec;
    private final int maxTextChars;
    private final String acceptedModelId; // nullable: any model id

    private transient ConfluentRegistryClient client;
    private transient LabeledEventReader reader;
    private transient InputCodec.Decoder decoder; // the model's: validates, and tokenizes a text model's text
    private transient Counter decoded;
    private transient Counter deadLettered;

    /**
     * @param registry where the writer schemas are
     * @param spec the model the events are for (parsed once, when the job was built): its input kind (dense
     *     features or text), width and classes
     * @param maxTextChars the longest text accepted (text models)
     * @param acceptedModelId the only model id accepted (others are dead-lettered as {@code UNKNOWN_MODEL}), or
     *     {@code null} to accept every model id
     */
    public LabeledEventDecodeFunction(RegistryClientOptions registry, ModelSpec spec, int maxTextChars,
            String acceptedModelId) {
        JobSettings.MAX_TEXT_CHARS.check(maxTextChars);
        spec.inputCodec().requireDecodable(); // fails now, at job build time, e.g. on a text model without vocabulary
        this.registry = RegistrySettings.toMap(registry);
        this.spec = spec;
        this.maxTextChars = maxTextChars;
        this.acceptedModelId = acceptedModelId;
    }

    /** As above, the model given by its spec's text form (parsed here: a bad spec fails at job build time). */
    public LabeledEventDecodeFunction(RegistryClientOptions registry, String modelSpec, int maxTextChars,
            String acceptedModelId) {
        this(registry, ModelSpecs.parse(modelSpec), maxTextChars, acceptedModelId);
    }

    private UpdatesTopicHistory history;
    /** Set in {@link #initializeState}; null: none. */
    private transient java.util.Set<String> alreadyDeadLettered;

    @Override
    public void open(OpenContext openContext) {
        client = ConfluentRegistryClient.create(RegistrySettings.fromMap(registry));
        reader = new LabeledEventReader(client);
        decoder = spec.inputCodec().decoder(maxTextChars);
        decoded = getRuntimeContext().getMetricGroup().counter("seedflowDecodedEvents");
        deadLettered = getRuntimeContext().getMetricGroup().counter("seedflowDeadLetteredEvents");
    }

    @Override
    public void processElement(RawEvent raw, Context ctx, Collector<TrainingExample> out) {
        if (raw.value == null) {
            reject(ctx, raw, RejectionReason.UNDECODABLE, "the record has no value (a tombstone)");
            return;
        }
        DecodedLabeledEvent event;
        try {
            event = reader.read(raw.value);
        } catch (WireFormatException e) {
            RejectionReason reason = e.reason() == WireFormatException.Reason.UNKNOWN_SCHEMA_ID
                    ? RejectionReason.UNKNOWN_SCHEMA_ID : RejectionReason.UNDECODABLE;
            reject(ctx, raw, reason, e.reason() + ": " + e.getMessage());
            return;
        } catch (InvalidTextException e) {
            reject(ctx, raw, RejectionReason.INVALID_TEXT, e.getMessage());
            return;
        }
        // SchemaRegistryException is deliberately not caught: see the class comment
        String modelId = event.modelId();
        if (acceptedModelId != null && !acceptedModelId.equals(modelId)) {
            reject(ctx, raw, RejectionReason.UNKNOWN_MODEL,
                    "model id '" + modelId + "' is not trained here; expected '" + acceptedModelId + "'");
            return;
        }
        InputCodec.Decoded d = decoder.decode(modelId, event.denseFeatures(), event.text(), event.label(), raw.topic,
                raw.partition, raw.offset);
        if (d.rejection() != null) {
            reject(ctx, raw, d.rejection().reason(), d.rejection().message());
            return;
        }
        decoded.inc();
        out.collect(d.example());
    }

    /**
     * On a start without state, events a job before this one dead-lettered already
     * ({@link UpdatesTopicHistory.ResumePoint#deadLettered}, read again because the events consumer resumes where the
     * models' logs stopped, {@link LogResumeOffsets}) are refused again but not written to the dead-letter topic a
     * second time.
     */
    public LabeledEventDecodeFunction skippingDeadLetteredIn(UpdatesTopicHistory history) {
        this.history = history;
        return this;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        if (history != null && !context.isRestored()) {
            alreadyDeadLettered = history.resumePoint().deadLettered();
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        // nothing: a restored job reads from its checkpointed offsets, past which nothing was dead-lettered
    }

    private void reject(Context ctx, RawEvent raw, RejectionReason reason, String message) {
        if (alreadyDeadLettered != null
                && alreadyDeadLettered.contains(UpdatesTopicHistory.ResumePoint.key(raw.topic, raw.partition, raw.offset))) {
            return;
        }
        deadLettered.inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(reason, message, raw));
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
