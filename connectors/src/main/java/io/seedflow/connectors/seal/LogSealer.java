package io.seedflow.connectors.seal;

import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogHistory;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.LogStep;
import io.seedflow.core.log.ModelHistory;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs the trainer's log (docs/update-log-spec.md §10). Sits between the trainers and the updates topic's two sinks:
 * input 1 is the update records (passed on unchanged, in order), input 2 the snapshot announcements. Per model it
 * follows the hash chain over the records' canonical bytes; it signs every announcement with the chain link at the
 * announced step, and before every checkpoint barrier it emits one {@link io.seedflow.core.log.LogSeal} per model
 * that wrote steps since the last one. Both go out on {@link #NOTICES}, to the announcements sink, and commit with the
 * checkpoint whose records they cover.
 *
 * <p>The chain links live in this operator's state (union list state, so a model keeps its chain when a rescale moves
 * it to another subtask). A model it has no state for continues from its committed log when the job started without
 * state ({@link LogHistory}: the announced snapshot's link, or a root at that snapshot for a log that was not signed,
 * then the records after it), else the chain starts at a root at the step before its first record.
 */
public final class LogSealer extends AbstractStreamOperator<UpdateRecord>
        implements TwoInputStreamOperator<UpdateRecord, SnapshotAnnouncement, UpdateRecord>, BoundedMultiInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LogSealer.class);
    /** Signed announcements and seals, for the announcements sink. */
    public static final OutputTag<Object> NOTICES = new OutputTag<>("log-notices", TypeInformation.of(Object.class));
    private static final int STATE_LAYOUT = 1;

    private final String keySetting;
    private final String keyPath;
    private final int snapshotIntervalSteps;
    private final LogHistory history;

    private transient LogSignatures.Signer signer;
    private transient ListState<byte[]> state;
    private transient boolean restored;
    private transient Map<String, ModelChain> chains;
    private transient List<SnapshotAnnouncement> waiting;
    private transient int endedInputs;

    /**
     * @param keySetting the setting that names the key file, for errors
     * @param keyPath the Ed25519 private key (PKCS#8 PEM), read when the operator opens, on the task manager
     * @param snapshotIntervalSteps the trainers' snapshot interval: the links at its multiples are kept until their
     *        snapshot is announced
     */
    public LogSealer(String keySetting, String keyPath, int snapshotIntervalSteps, LogHistory history) {
        this.keySetting = keySetting;
        this.keyPath = keyPath;
        this.snapshotIntervalSteps = snapshotIntervalSteps;
        this.history = history;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        chains = new HashMap<>();
        waiting = new ArrayList<>();
        restored = context.isRestored();
        state = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("log-chains", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (byte[] entry : state.get()) {
            ModelChain c = ModelChain.decode(entry);
            ModelChain known = chains.get(c.modelId);
            if (known == null || c.step > known.step) {
                chains.put(c.modelId, c); // every subtask snapshots every model it knows; the newest one wins
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        signer = new LogSignatures.Signer(LogSignatures.readPrivateKey(keySetting, Path.of(keyPath)));
    }

    @Override
    public void processElement1(StreamRecord<UpdateRecord> element) {
        UpdateRecord r = element.getValue();
        ModelChain chain = chains.computeIfAbsent(r.modelId(), id -> start(r));
        if (r.step() == chain.step + 2) {
            takeUpRollback(chain);
        }
        if (r.step() != chain.step + 1) {
            throw new IllegalStateException("model '" + r.modelId() + "': the sealer's chain is at step " + chain.step
                    + " but the trainer wrote step " + r.step() + "; records must reach the sealer in step order");
        }
        chain.append(r, snapshotIntervalSteps);
        output.collect(element);
        if (!waiting.isEmpty()) {
            signWaiting(chain);
        }
    }

    @Override
    public void processElement2(StreamRecord<SnapshotAnnouncement> element) {
        SnapshotAnnouncement a = element.getValue();
        ModelChain chain = chains.get(a.modelId);
        if (chain == null) {
            chain = startAt(a);
        }
        if (chain == null || a.step > chain.step) {
            waiting.add(a); // its step's record is still on its way on the other input
            return;
        }
        emitSigned(chain, a);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) {
        sealAll();
    }

    /**
     * A bounded input's end: the sinks accept nothing after it, so the last seals go out now (the final checkpoint
     * then commits them with the records).
     */
    @Override
    public void endInput(int inputId) {
        if (++endedInputs == 2) {
            sealAll();
        }
    }

    private void sealAll() {
        for (SnapshotAnnouncement a : waiting) {
            LOG.error("model '{}': announcement of step {} came without its record before the checkpoint; "
                    + "written unsigned (verifying replicas pass over it)", a.modelId, a.step);
            output.collect(NOTICES, new StreamRecord<>(a));
        }
        waiting.clear();
        for (ModelChain chain : chains.values()) {
            if (chain.unsealed) {
                output.collect(NOTICES, new StreamRecord<>(signer.seal(chain.modelId, chain.step, chain.head)));
                chain.unsealed = false;
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<byte[]> entries = new ArrayList<>(chains.size());
        for (ModelChain c : chains.values()) {
            entries.add(c.encode());
        }
        state.update(entries);
    }

    private void signWaiting(ModelChain chain) {
        for (Iterator<SnapshotAnnouncement> it = waiting.iterator(); it.hasNext();) {
            SnapshotAnnouncement a = it.next();
            if (a.modelId.equals(chain.modelId) && a.step <= chain.step) {
                it.remove();
                emitSigned(chain, a);
            }
        }
    }

    private void emitSigned(ModelChain chain, SnapshotAnnouncement a) {
        byte[] head = chain.linkAt(a.step);
        if (head == null) {
            LOG.error("model '{}': no chain link kept for announced step {} (chain at {}); written unsigned",
                    a.modelId, a.step, chain.step);
            output.collect(NOTICES, new StreamRecord<>(a));
            return;
        }
        chain.forgetUpTo(a.step);
        output.collect(NOTICES, new StreamRecord<>(signer.sign(a, head)));
    }

    /**
     * The chain of a model this operator has no state for, announced before any record: from the log's history, or
     * from the base snapshot (step 0) it announces; null if it must wait for the model's first record.
     */
    private ModelChain startAt(SnapshotAnnouncement a) {
        Optional<ModelChain> continued = continued(a.modelId);
        if (continued.isPresent() || a.step != 0) {
            continued.ifPresent(c -> chains.put(a.modelId, c));
            return continued.orElse(null);
        }
        byte[] root = LogChain.root(a.modelId, 0, a.sha256);
        ModelChain chain = new ModelChain(a.modelId, 0, root);
        chain.keep(0, root);
        chains.put(a.modelId, chain);
        return chain;
    }

    /** The chain of a model this operator has no state for, as it stands before record {@code first}. */
    private ModelChain start(UpdateRecord first) {
        Optional<ModelChain> continued = continued(first.modelId()).filter(c -> c.step == first.step() - 1);
        if (continued.isPresent()) {
            return continued.get();
        }
        long before = first.step() - 1;
        byte[] root = LogChain.root(first.modelId(), before, first.baseSnapshotId());
        ModelChain chain = new ModelChain(first.modelId(), before, root);
        chain.keep(before, root);
        LOG.info("model '{}': log chain rooted at step {} (snapshot {})", first.modelId(), before,
                first.baseSnapshotId());
        return chain;
    }

    /**
     * In a job started without state, the chain of a model's committed log, continued over its records. A signed log
     * must be this key's: its announced snapshot and its newest seal signed with it, the seal covering the newest
     * record with the chain's link (else the job stops without restarts: records were forged or spliced in, and the
     * trainer, which continues the same log, would train on from them).
     */
    private Optional<ModelChain> continued(String modelId) {
        Optional<ModelHistory> log = restored ? Optional.empty() : history.of(modelId, 0);
        if (log.isPresent() && log.get().snapshot() != null) {
            SnapshotAnnouncement s = log.get().snapshot();
            if (s.chainHead != null && !Arrays.equals(signer.sign(s, s.chainHead).signature, s.signature)) {
                refuse(modelId, "its snapshot of step " + s.step + " was not announced with this job's signing key");
            }
            byte[] head = s.chainHead != null ? s.chainHead : LogChain.root(s.modelId, s.step, s.sha256);
            ModelChain chain = new ModelChain(modelId, s.step, head);
            chain.keep(s.step, head);
            for (UpdateRecord r : log.get().records()) {
                if (r.step() > s.step) {
                    chain.append(r, snapshotIntervalSteps);
                }
            }
            requireSealed(chain, log.get().newestSeal(), s.chainHead != null);
            chain.unsealed = false; // committed, and sealed or not by the job that wrote them
            LOG.info("model '{}': signing on from the log's chain at step {} ({})", modelId, chain.step,
                    s.chainHead != null ? "announced with the snapshot of step " + s.step
                            : "rooted at the unsigned snapshot of step " + s.step);
            return Optional.of(chain);
        }
        return Optional.empty();
    }

    /**
     * After a restore, the trainer took up the rollback an operator appended at the step after this state's chain
     * (docs/update-log-spec.md §11): the chain goes on over it, and the log's seal of it must be this key's and name
     * the same link.
     */
    private void takeUpRollback(ModelChain chain) {
        Optional<ModelRollback> rollback = history.rollbackAt(chain.modelId, chain.step + 1);
        if (rollback.isEmpty()) {
            return; // the step check that follows names the gap
        }
        chain.append(rollback.get(), snapshotIntervalSteps);
        requireSealed(chain, history.newestSeal(chain.modelId).orElse(null), true);
        chain.unsealed = false;
        LOG.info("model '{}': the chain goes on over the rollback of step {} to version {}", chain.modelId,
                chain.step, rollback.get().toVersion());
    }

    /**
     * In a signed log the newest seal must be this key's (Ed25519 signatures are deterministic: signing its statement
     * again gives its bytes) and name the chain's link at the newest record.
     */
    private void requireSealed(ModelChain chain, LogSeal seal, boolean signedLog) {
        if (seal == null) {
            if (signedLog) {
                refuse(chain.modelId, "its records up to step " + chain.step + " are covered by no seal");
            }
            return;
        }
        if (!Arrays.equals(signer.seal(seal.modelId, seal.step, seal.chainHead).signature, seal.signature)) {
            refuse(chain.modelId, "its newest seal (step " + seal.step + ") was not signed with this job's key");
        }
        if (seal.step != chain.step || !Arrays.equals(seal.chainHead, chain.head)) {
            refuse(chain.modelId, "its newest seal names step " + seal.step + " link " + LogChain.hex(seal.chainHead)
                    + " but the log's records end at step " + chain.step + " with link " + LogChain.hex(chain.head)
                    + " (records forged, altered or spliced in after the last seal)");
        }
    }

    private static void refuse(String modelId, String why) {
        throw new SuppressRestartsException(new LogVerificationException("model '" + modelId + "': the signed log "
                + "this job would continue does not verify: " + why + "; the job stops without restarts (run "
                + "seedflow audit --verify-key)"));
    }

    /** One model's chain: the link at {@link #step}, and the links kept for snapshots not announced yet. */
    static final class ModelChain {
        final String modelId;
        long step;
        byte[] head;
        final TreeMap<Long, byte[]> snapshotLinks = new TreeMap<>();
        /** Steps since the last seal; never stored: a checkpoint's state is taken after its barrier sealed them. */
        boolean unsealed;

        ModelChain(String modelId, long step, byte[] head) {
            this.modelId = modelId;
            this.step = step;
            this.head = head;
        }

        void append(LogStep r, int snapshotIntervalSteps) {
            head = UpdateRecordCodec.nextLink(head, r);
            step = r.step();
            unsealed = true;
            if (snapshotIntervalSteps > 0 && step % snapshotIntervalSteps == 0) {
                keep(step, head);
            }
        }

        void keep(long at, byte[] link) {
            snapshotLinks.put(at, link);
        }

        byte[] linkAt(long at) {
            return at == step ? head : snapshotLinks.get(at);
        }

        void forgetUpTo(long at) {
            snapshotLinks.headMap(at, true).clear();
        }

        byte[] encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(STATE_LAYOUT);
                out.writeUTF(modelId);
                out.writeLong(step);
                out.write(head);
                out.writeInt(snapshotLinks.size());
                for (Map.Entry<Long, byte[]> e : snapshotLinks.entrySet()) {
                    out.writeLong(e.getKey());
                    out.write(e.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        static ModelChain decode(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                int layout = in.readUnsignedByte();
                if (layout != STATE_LAYOUT) {
                    throw new IllegalStateException("log sealer state entry of layout " + layout + "; this version "
                            + "reads layout " + STATE_LAYOUT);
                }
                ModelChain c = new ModelChain(in.readUTF(), in.readLong(), link(in));
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    c.keep(in.readLong(), link(in));
                }
                return c;
            } catch (IOException e) {
                throw new UncheckedIOException("log sealer state entry is truncated", e);
            }
        }

        private static byte[] link(DataInputStream in) throws IOException {
            byte[] b = new byte[LogChain.LINK_BYTES];
            in.readFully(b);
            return b;
        }
    }
}
