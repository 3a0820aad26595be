package io.seedflow.operators.parallel;

import io.seedflow.core.compute.BackendChoice;
import io.seedflow.core.compute.ComputeBackends;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.zo.BatchPieces;
import io.seedflow.core.zo.ShardEvaluation;
import io.seedflow.core.zo.StepPlan;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoVariant;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.BatchAssembler;
import io.seedflow.operators.internal.StepShare;
import io.seedflow.operators.internal.StepShareCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.OperatorEventHandler;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * One model trained data-parallel by P subtasks (prototype of issue 13, docs/scale-out.md). Each subtask buffers its
 * share of the events; per step it takes its next share of the batch ({@link BatchPieces}), plans the step from its
 * own weights, evaluates its pieces ({@link TrainingSession#evaluate}) and sends their sums to the
 * {@link StepExchangeCoordinator}; when every subtask's share has come back in subtask order, it completes the step
 * with core's combine ({@link TrainingSession#complete}), so every subtask applies the same record to the same
 * weights. Subtask 0 emits the record.
 *
 * <p>Never blocks the task thread waiting for the exchange: the gathered shares arrive as a mail of the task's
 * mailbox. While a step is in flight and the next share is already buffered, the input is held back (backpressure)
 * by running other mails ({@link MailboxExecutor#yield}) until the step completes. At the end of a bounded input the
 * subtask keeps taking part in steps (with what it has left, possibly nothing) until a round in which every subtask
 * has ended and sent nothing.
 *
 * <p>Prototype limits (docs/scale-out.md §7): no checkpointed state (a restore loses the buffer and the weights), no
 * snapshot store, no max-wait flush, one model; CONSERVATIVE and the exact head are refused at P > 1.
 */
public final class DataParallelTrainerOperator extends AbstractStreamOperator<UpdateRecord>
        implements OneInputStreamOperator<TrainingExample, UpdateRecord>, OperatorEventHandler, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final Configuration conf;
    private final String modelId;
    private final transient OperatorEventGateway coordinator;
    /** Runs any mail, the operator events included (they arrive with the task's lowest mail priority). */
    private final transient MailboxExecutor anyMail;

    private transient int subtask;
    private transient int parallelism;
    private transient ModelSpec spec;
    private transient BatchPieces pieces;
    private transient TrainingSession session;
    private transient ArrayDeque<TrainingExample> buffered;
    private transient InFlight inFlight;
    private transient boolean inputEnded;
    private transient boolean finished;
    private transient ExchangeStats stats;

    /** The step this subtask sent its share of and awaits the gather of. */
    private record InFlight(StepPlan plan, Batch share, long sentNanos) {
    }

    DataParallelTrainerOperator(StreamOperatorParameters<UpdateRecord> parameters, Configuration conf,
            String modelId, OperatorEventGateway coordinator, MailboxExecutor anyMail) {
        super(parameters);
        this.conf = conf;
        this.modelId = modelId;
        this.coordinator = coordinator;
        this.anyMail = anyMail;
    }

    @Override
    public void open() throws Exception {
        super.open();
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        spec = ModelSpecs.parse(conf.get(ZoTrainerOptions.MODEL_SPEC));
        ZoOptions options = ZoTrainerOptions.zoOptions(conf);
        if (parallelism > 1 && options.variant() == ZoVariant.CONSERVATIVE) {
            throw new IllegalArgumentException("seedflow.zo.variant CONSERVATIVE evaluates its candidate steps on the "
                    + "whole batch, which no subtask holds at trainer parallelism " + parallelism + "; use SGD, SIGN "
                    + "or MOMENTUM, or parallelism 1");
        }
        if (options.exactHead()) {
            throw new IllegalArgumentException("the data-parallel trainer does not take an exact head yet ("
                    + ZoTrainerOptions.HEAD_LEARNING_RATE.key() + " = " + conf.get(ZoTrainerOptions.HEAD_LEARNING_RATE)
                    + "); set it to 0");
        }
        pieces = BatchPieces.of(conf.get(ZoTrainerOptions.BATCH_SIZE), conf.get(ZoTrainerOptions.BATCH_PIECES),
                parallelism);
        BackendChoice choice = conf.get(ZoTrainerOptions.COMPUTE_BACKEND);
        ComputeBackends.requireUsable(choice, spec);
        session = TrainingSession.fresh(modelId, spec, options, conf.get(ZoTrainerOptions.MODEL_INIT_SEED),
                BackendFactory.of(choice, 0)).session();
        buffered = new ArrayDeque<>();
        stats = new ExchangeStats(getRuntimeContext(), subtask);
    }

    @Override
    public void processElement(StreamRecord<TrainingExample> element) throws Exception {
        TrainingExample example = element.getValue();
        if (!modelId.equals(example.modelId)) {
            throw new IllegalArgumentException("the data-parallel trainer of model '" + modelId + "' got an example "
                    + "of model '" + example.modelId + "'; one such trainer trains one model");
        }
        buffered.add(example);
        startStepIfReady();
        while (inFlight != null && buffered.size() >= pieces.shareSize(subtask)) {
            anyMail.yield(); // the next share is ready: hold the input back until this step completes
        }
    }

    @Override
    public void endInput() throws Exception {
        inputEnded = true;
        startStepIfReady();
        while (!finished) {
            anyMail.yield(); // keep taking part in the others' steps until every subtask has drained
        }
    }

    /** Sends this subtask's share of the next step once it has a full share (or its input has ended). */
    private void startStepIfReady() {
        int share = pieces.shareSize(subtask);
        if (inFlight != null || finished || (buffered.size() < share && !inputEnded)) {
            return;
        }
        List<TrainingExample> examples = new ArrayList<>(share);
        while (examples.size() < share && !buffered.isEmpty()) {
            examples.add(buffered.poll());
        }
        StepPlan plan = session.plan();
        Batch batch = examples.isEmpty() ? null : BatchAssembler.batch(examples, spec);
        List<ShardEvaluation> evaluated = new ArrayList<>(pieces.piecesPerSubtask());
        if (batch != null) {
            for (Batch piece : pieces.cut(subtask, batch)) {
                evaluated.add(session.evaluate(plan, piece));
            }
        }
        byte[] payload = StepShareCodec.encode(new StepShare(plan.step(), inputEnded,
                BatchAssembler.lineage(examples), evaluated));
        stats.sent(payload.length);
        inFlight = new InFlight(plan, batch, System.nanoTime());
        coordinator.sendEventToCoordinator(new StepShareEvent(plan.step(), payload));
    }

    @Override
    public void handleOperatorEvent(OperatorEvent event) {
        if (!(event instanceof StepGatheredEvent gathered)) {
            throw new IllegalStateException("data-parallel trainer: unexpected operator event " + event);
        }
        if (inFlight == null || gathered.step() != inFlight.plan().step()) {
            throw new IllegalStateException("data-parallel trainer subtask " + subtask + " got the shares of step "
                    + gathered.step() + " but has " + (inFlight == null ? "no step" : "step " + inFlight.plan().step())
                    + " in flight");
        }
        stats.received(System.nanoTime() - inFlight.sentNanos(), gathered.payloadBytes());
        List<ShardEvaluation> shards = new ArrayList<>();
        List<Lineage> ranges = new ArrayList<>();
        boolean allEnded = true;
        for (byte[] payload : gathered.payloads()) {
            StepShare share = StepShareCodec.decode(payload);
            shards.addAll(share.pieces());
            ranges.addAll(share.lineage());
            allEnded &= share.inputEnded();
        }
        InFlight step = inFlight;
        inFlight = null;
        if (shards.isEmpty()) {
            if (!allEnded) {
                throw new IllegalStateException("step " + step.plan().step() + " gathered no example although a "
                        + "subtask's input has not ended");
            }
            finished = true; // every subtask drained: no step, training of this bounded input is over
            return;
        }
        UpdateRecord record = session.complete(step.plan(), shards, Lineage.merged(ranges),
                parallelism == 1 ? step.share() : null);
        if (subtask == 0) {
            output.collect(new StreamRecord<>(record));
        }
        startStepIfReady();
    }

    @Override
    public void finish() throws Exception {
        stats.finished(session.version(), session.weightsSha256());
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (session != null) {
            session.close();
        }
        super.close();
    }
}
