package io.seedflow.operators.parallel;

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
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.zo.ShardEvaluation;
import io.seedflow.core.zo.StepLayout;
import io.seedflow.core.zo.StepPlan;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import io.seedflow.operators.FileSystemSnapshotStore;
import io.seedflow.operators.TrainerConfig;
import io.seedflow.operators.ZoTrainerFunction;
import io.seedflow.operators.internal.BatchAssembler;
import io.seedflow.operators.internal.GpuDevice;
import io.seedflow.operators.internal.LogResume;
import io.seedflow.operators.internal.LogTail;
import io.seedflow.operators.internal.SnapshotPointer;
import io.seedflow.operators.internal.SnapshotRestore;
import io.seedflow.operators.internal.StepShare;
import io.seedflow.operators.internal.StepShareCodec;
import io.seedflow.operators.internal.TrainerStateCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.jobgraph.tasks.TaskOperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.OperatorEventHandler;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * One model trained data-parallel by P subtasks (issue 13, docs/scale-out.md). Each subtask buffers its share of the
 * events; per step it takes its next share of the batch ({@link BatchPieces}), plans the step from its own weights,
 * evaluates its pieces ({@link TrainingSession#evaluate}) and sends their sums to the {@link StepExchangeCoordinator};
 * when every subtask's share has come back in subtask order, it completes the step with core's combine
 * ({@link TrainingSession#complete}), so every subtask applies the same record to the same weights. Subtask 0 emits
 * the record.
 *
 * <p>Never blocks the task thread waiting for the exchange: the gathered shares arrive as a mail of the task's
 * mailbox. While a step is in flight and the next share is already buffered, the input is held back (backpressure)
 * by running other mails ({@link MailboxExecutor#yield}) until the step completes, except between a
 * {@link CheckpointPendingEvent} and this subtask's checkpoint (Flink then holds the gather back until the barrier has
 * been read). At the end of a bounded input the subtask keeps taking part in steps (with what it has left, possibly
 * nothing) until a round in which every subtask has ended and sent nothing; while it drains it waits in
 * {@code endInput}, where it cannot read a barrier, so it asks for each gather with a {@link GatherRequest} (its
 * response is never held back) and ignores the event copy of a gather it already applied.
 *
 * <p>State ({@link DataParallelState}, docs/scale-out.md §4): the same entries as {@link ZoTrainerFunction}'s and
 * through the same code ({@link TrainerStateCodec}, {@link SnapshotRestore}, and in subtask 0's {@link SnapshotKeeper}
 * the log tail and the uploads), never the weights. Snapshots are taken by every subtask at the same steps (the records
 * name them by their SHA-256, which each subtask computes from the same weights), stored only by subtask 0,
 * asynchronously; the pointer moves and the snapshot is announced on {@link ZoTrainerFunction#SNAPSHOTS} when the
 * upload has completed. The base snapshot is stored (synchronously) and announced by subtask 0 on a fresh start.
 *
 * <p>Max-wait and probe groups (the first subtask of a data group cuts its shares, the others take its count): see
 * {@link ShareExchange}.
 *
 * <p>Old snapshots are retired by subtask 0 after completed checkpoints, as {@link ZoTrainerFunction} does.
 *
 * <p>Subtask 0 keeps the trainer's metrics, the holdout and the prequential score ({@link ModelScores}); every
 * subtask predicts its share before the step ({@link ModelScores#predictions}) and the predictions travel in the shares.
 *
 * <p>An exact head ({@code seedflow.zo.head-learning-rate} > 0) is trained at any P: each piece's share carries the
 * sums of the head's gradient (from the subtask holding probe 0 of its data group), every subtask adds the gathered
 * sums in piece order in {@link TrainingSession#complete}, and so applies the same head delta as one subtask
 * evaluating the same pieces.
 *
 * <p>Limits (docs/scale-out.md §7): one model per operator (a job trains several data-parallel
 * models with one such operator each); CONSERVATIVE at P > 1 is refused
 * ({@link DataParallelTraining#checkTrainable}).
 */
public final class DataParallelTrainerOperator extends AbstractStreamOperator<UpdateRecord>
        implements OneInputStreamOperator<TrainingExample, UpdateRecord>, OperatorEventHandler, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final java.time.Duration END_OF_INPUT_UPLOAD_WAIT = java.time.Duration.ofMinutes(5);

    private final TrainerConfig config;
    private final String modelId;
    private final transient OperatorEventGateway coordinator;
    private final transient TaskOperatorEventGateway requestGateway;
    private final transient OperatorID operatorId;
    /** Runs any mail, the operator events included (they arrive with the task's lowest mail priority). */
    private final transient MailboxExecutor anyMail;

    private transient int subtask;
    private transient int parallelism;
    private transient ModelSpec spec;
    private transient StepLayout layout;
    private transient int snapshotInterval;
    private transient TrainingSession session;
    /** The step exchange's state machine: buffer, share in flight, max-wait, draining. */
    private transient ShareExchange exchange;
    private transient ExchangeStats stats;
    private transient CoordinatorRequests requests;

    /** The model's log, which a fresh start must not fork. */
    private final LogHistory history;
    /** Subtask 0 only (else null): snapshots stored, pointer and log tail, announcements, retention. */
    private transient SnapshotKeeper keeper;
    /** Holdout, prequential score and the trainer's metrics, kept by subtask 0. */
    private transient ModelScores scores;

    /** (writing subtask, example): union state, so that a rescale can re-route examples by batch position. */
    private transient DataParallelState state;

    DataParallelTrainerOperator(StreamOperatorParameters<UpdateRecord> parameters, TrainerConfig config,
            String modelId, LogHistory history, OperatorEventGateway coordinator, MailboxExecutor anyMail) {
        super(parameters);
        this.config = config;
        this.modelId = modelId;
        this.history = history;
        this.coordinator = coordinator;
        this.requestGateway = parameters.getContainingTask().getEnvironment().getOperatorCoordinatorEventGateway();
        this.operatorId = parameters.getStreamConfig().getOperatorID();
        this.anyMail = anyMail;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        spec = config.spec();
        ZoOptions options = config.zo();
        layout = DataParallelTraining.layout(config, parallelism); // refuses what P cannot take
        exchange = new ShareExchange(new ExchangePort(), layout, subtask, config.maxWait().toMillis());
        snapshotInterval = config.snapshotInterval();
        BackendChoice choice = config.backend();
        ComputeBackends.requireUsable(choice, spec);
        BackendFactory backends = BackendFactory.of(choice, GpuDevice.indexOf(getRuntimeContext()));

        state = new DataParallelState(context.getOperatorStateStore(), modelId);
        scores = new ModelScores(context.getOperatorStateStore(), config, subtask == 0);

        exchange.restore(state.untrainedOf(subtask, parallelism, layout));
        keeper = subtask == 0 ? new SnapshotKeeper(modelId, config) : null;
        java.util.Optional<SnapshotPointer> pointer = state.pointer();
        java.util.Optional<ModelHistory> past = pointer.isPresent() ? java.util.Optional.empty()
                : history.of(modelId, ZoSgdTrainer.historySteps(options));
        if (past.isPresent()) {
            resume(past.get(), options, backends);
        } else if (pointer.isEmpty()) {
            TrainingSession.Started started = TrainingSession.fresh(modelId, spec, options,
                    config.initSeed(), backends);
            session = started.session();
            if (keeper != null) {
                keeper.startFrom(started.snapshotsToStore().get(0)); // every record names the base
            }
        } else {
            restore(pointer.get(), options, backends);
        }
    }

    /**
     * A fresh start of a model whose log has steps (docs/update-log-spec.md §7.3): every subtask continues it from the
     * same read of the log (the newest announced snapshot and the records after it), or all refuse under REFUSE.
     */
    private void resume(ModelHistory past, ZoOptions options, BackendFactory backends) throws Exception {
        SnapshotPointer pointer = LogResume.snapshotToContinue(config.existingLog(), past);
        replay(pointer, past.records().stream().map(TrainerStateCodec::encodeRecord).toList(), options, backends,
                false);
    }

    /** Every subtask: subtask 0's pointer and tail (union state), replayed; all must reach the same version. */
    private void restore(SnapshotPointer restored, ZoOptions options, BackendFactory backends) throws Exception {
        replay(restored, state.tail(), options, backends, true);
    }

    /**
     * The snapshot of {@code restored} and the records of {@code tail} replayed; {@code own}: from this state, where
     * a rollback an operator appended right after it (docs/update-log-spec.md §11) is taken up: every subtask goes on
     * from the rollback's snapshot, with the history afresh.
     */
    private void replay(SnapshotPointer restored, List<byte[]> tail, ZoOptions options, BackendFactory backends,
            boolean own) throws Exception {
        FileSystemSnapshotStore store = new FileSystemSnapshotStore(config.snapshotDir()); // reads any snapshot URI
        TrainingSession.Started started = SnapshotRestore.restore(store, modelId, spec, options, restored,
                LogTail.decoded(tail), snapshotInterval, backends);
        session = started.session();
        try {
            if (own) {
                state.requireVersion(session.version(), restored);
            }
            List<UpdateRecord> replayed = LogTail.decoded(tail);
            UpdateRecord last = replayed.isEmpty() ? null : replayed.get(replayed.size() - 1);
            java.util.Optional<ModelRollback> rollback = history.afterRestore(modelId, session.version(),
                    last != null && last.step() == session.version() ? last : null);
            if (rollback.isPresent()) {
                session.close();
                LOG.info("model '{}': taking up the rollback of step {} to the weights of version {}", modelId,
                        rollback.get().step(), rollback.get().toVersion());
                replay(SnapshotPointer.of(rollback.get().announcement()), List.of(), options, backends, false);
                return;
            }
        } catch (IllegalStateException e) {
            session.close();
            throw e;
        } catch (ForkedLogException e) {
            session.close();
            throw new SuppressRestartsException(e);
        }
        if (keeper != null) {
            keeper.restoredFrom(restored, tail, started.snapshotsToStore());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        stats = new ExchangeStats(getRuntimeContext(), subtask);
        requests = new CoordinatorRequests(requestGateway, operatorId, anyMail, subtask, stats::requestTimedOut);
        if (keeper != null) {
            scores.open(getMetricGroup(), session.version(), keeper.pointer());
        }
        exchange.opened();
    }

    @Override
    public void processElement(StreamRecord<TrainingExample> element) throws Exception {
        TrainingExample example = element.getValue();
        if (scores.isHoldout(example)) {
            if (subtask != 0) {
                throw new IllegalStateException("data-parallel trainer subtask " + subtask + " got a holdout example "
                        + "of model '" + modelId + "'; holdout examples are routed to subtask 0 (DataParallelTraining)");
            }
            scores.keepHoldout(example);
            return;
        }
        if (!modelId.equals(example.modelId)) {
            throw new IllegalArgumentException("the data-parallel trainer of model '" + modelId + "' got an example "
                    + "of model '" + example.modelId + "'; one such trainer trains one model");
        }
        if (example.position < 0) {
            throw new IllegalStateException("data-parallel trainer of model '" + modelId + "' got an example without a "
                    + "batch position (" + example + "); its input must be numbered by a BatchPositionAssigner "
                    + "(DataParallelTraining adds one)");
        }
        if (layout.probeGroups() > 1 && layout.dataGroupOfPosition(example.position) != layout.dataGroupOf(subtask)) {
            return; // broadcast input: another data group's event
        }
        exchange.add(example);
        while (exchange.holdsInput()) {
            anyMail.yield(); // the next share is ready: hold the input back until this step completes
        }
    }

    @Override
    public void endInput() throws Exception {
        exchange.endInput();
        while (!exchange.finished()) {
            anyMail.yield(); // keep taking part in the others' steps until every subtask has drained
        }
        if (keeper != null) {
            // the last snapshots move the pointer and are announced before the final checkpoint
            keeper.awaitUploads(END_OF_INPUT_UPLOAD_WAIT);
            publishStored();
        }
    }

    @Override
    public void handleOperatorEvent(OperatorEvent event) {
        if (event instanceof SendShareNowEvent now) {
            exchange.onSendShareNow(now.step());
        } else if (event instanceof CheckpointPendingEvent pending) {
            exchange.onCheckpointPending(pending.checkpointId());
        } else if (event instanceof StepGatheredEvent gathered) {
            exchange.onGathered(gathered);
        } else {
            throw new IllegalStateException("data-parallel trainer: unexpected operator event " + event);
        }
    }

    /**
     * Completes a step with every subtask's share, in subtask order: checks that a data group's subtasks took the
     * same events, joins the pieces ({@link StepLayout#piecesInOrder}) and lets the session combine them; subtask 0
     * keeps the scores, the log tail and the snapshots, and emits the record.
     */
    private ShareExchange.Completion complete(ShareExchange.InFlight step, StepGatheredEvent gathered) {
        stats.received(System.nanoTime() - step.sentNanos(), gathered.payloadBytes());
        GatheredShares all = GatheredShares.of(gathered, layout, modelId);
        if (all.shards().isEmpty()) {
            // every subtask drained: training of this bounded input is over; or a leader drained while a follower's
            // end of input has not arrived yet: nothing to train, again
            return all.allEnded() ? ShareExchange.Completion.DRAINED : ShareExchange.Completion.NOTHING;
        }
        UpdateRecord record = session.complete(step.plan(), all.shards(), Lineage.merged(all.lineage()),
                parallelism == 1 ? step.share() : null);
        EncodedSnapshot snapshot = record.step() % snapshotInterval == 0 ? session.takeSnapshot() : null;
        if (keeper != null) {
            scores.stepped(record, all.scored(), session);
            keeper.recorded(record, snapshot);
            publishStored();
            output.collect(new StreamRecord<>(record));
        }
        return ShareExchange.Completion.TRAINED;
    }

    /** The exchange's way out: the session, the coordinator (events and requests), the processing-time timer. */
    private final class ExchangePort implements ShareExchange.Port {
        @Override
        public long version() {
            return session.version();
        }

        @Override
        public StepPlan plan() {
            return session.plan();
        }

        @Override
        public ShareExchange.Share evaluate(StepPlan plan, List<TrainingExample> examples, boolean inputEnded) {
            Batch batch = examples.isEmpty() ? null : BatchAssembler.batch(examples, spec);
            List<ShardEvaluation> evaluated = new ArrayList<>();
            if (batch != null) {
                for (Batch piece : layout.cut(subtask, batch)) {
                    evaluated.add(session.evaluate(plan, piece, layout.probeFrom(subtask), layout.probeTo(subtask)));
                }
            }
            byte[] payload = StepShareCodec.encode(new StepShare(plan.step(), inputEnded,
                    BatchAssembler.lineage(examples), evaluated,
                    scores.predictions(session, batch, layout.probeGroupOf(subtask))));
            stats.sent(payload.length);
            return new ShareExchange.Share(batch, payload);
        }

        @Override
        public void send(OperatorEvent event) {
            coordinator.sendEventToCoordinator(event);
        }

        @Override
        public void askLeaderCount(long step) {
            int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
            requests.ask(new ShareCountRequest(step, subtask, attempt), "its data group's share count of step " + step,
                    response -> {
                        CoordinationAnswers.ShareCount count = CoordinationAnswers.readShareCount(response);
                        exchange.onLeaderCount(count.step(), count.examples());
                    });
        }

        @Override
        public void requestGather(long step) {
            int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
            requests.ask(new GatherRequest(step, subtask, attempt), "the gather of step " + step,
                    response -> exchange.onGathered(CoordinationAnswers.readGathered(response)));
        }

        @Override
        public long now() {
            return getProcessingTimeService().getCurrentProcessingTime();
        }

        @Override
        public void armTimer(long dueMillis) {
            getProcessingTimeService().registerTimer(dueMillis, exchange::onMaxWaitTimer);
        }

        @Override
        public void maxWaitReached() {
            stats.maxWaitReached();
        }

        @Override
        public ShareExchange.Completion complete(ShareExchange.InFlight step, StepGatheredEvent gathered) {
            return DataParallelTrainerOperator.this.complete(step, gathered);
        }
    }

    /** Subtask 0: moves the pointer to the newest stored snapshot, shrinks the tail, announces what was stored. */
    private void publishStored() {
        keeper.completeUploads(session.historySteps()).forEach(scores::snapshotStored);
        for (SnapshotAnnouncement stored : keeper.takeAnnouncements()) {
            output.collect(ZoTrainerFunction.SNAPSHOTS, new StreamRecord<>(stored));
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        if (keeper != null) {
            publishStored(); // the pointer the checkpoint holds is announced before its barrier
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.save(subtask, exchange.untrained(), session.version(), keeper); // the step in flight re-runs
        if (keeper != null) {
            keeper.checkpointing(context.getCheckpointId());
        }
        scores.snapshotState();
        exchange.checkpointTaken(context.getCheckpointId());
    }

    /**
     * Subtask 0 retires old snapshots as {@link ZoTrainerFunction} does ({@code seedflow.snapshot.retain-*}): once a
     * checkpoint completes, a restore needs nothing older than the snapshot its pointer names.
     */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        if (keeper != null) {
            keeper.checkpointComplete(checkpointId);
        }
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
        if (keeper != null) {
            keeper.close();
        }
        super.close();
    }
}
