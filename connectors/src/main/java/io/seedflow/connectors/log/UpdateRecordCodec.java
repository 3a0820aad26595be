package io.seedflow.connectors.log;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.log.HeadDelta;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceCorrection;
import io.seedflow.schemas.CompactLineageRange;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.CompactUpdateExtension;
import io.seedflow.schemas.LineageRange;
import io.seedflow.schemas.LogContext;
import io.seedflow.schemas.LogContextId;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.schemas.Perturbation;
import io.seedflow.schemas.TensorDelta;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between core's {@link UpdateRecord} and its Avro wire records: {@link ModelUpdate} (format versions 1 to 3,
 * field for field) and {@link CompactModelUpdate} (format version 4, docs/update-log-spec.md §4.1: the record names a
 * {@link LogContext} that holds its model id, base snapshot id and lineage source names, and carries no monitoring-only
 * field). Which record of a log carries its context inline is decided by {@link CompactUpdateEncoder}; resolving a
 * context id by {@link CompactUpdateDecoder}.
 */
public final class UpdateRecordCodec {
    /** Format version of the compact encoding. */
    public static final int COMPACT_FORMAT_VERSION = 4;
    /** Bytes of one term in {@code CompactModelUpdate.terms}: an 8-byte seed and a 4-byte binary32 coefficient. */
    static final int COMPACT_TERM_BYTES = 12;

    private UpdateRecordCodec() {
    }

    public static ModelUpdate toAvro(UpdateRecord r) {
        List<Perturbation> terms = new ArrayList<>(r.perturbations().size());
        for (PerturbationTerm t : r.perturbations()) {
            terms.add(Perturbation.newBuilder().setSeed(t.seed()).setCoefficient(t.coefficient())
                    .setProjectedGradient(t.projectedGradient()).setLossPlus(t.lossPlus()).setLossMinus(t.lossMinus())
                    .build());
        }
        List<LineageRange> lineage = new ArrayList<>(r.lineage().size());
        for (Lineage l : r.lineage()) {
            lineage.add(LineageRange.newBuilder().setSource(l.source()).setPartition(l.partition())
                    .setFromOffset(l.fromOffset()).setUntilOffset(l.untilOffset()).build());
        }
        return ModelUpdate.newBuilder()
                .setFormatVersion(r.formatVersion())
                .setModelId(r.modelId())
                .setBaseSnapshotId(r.baseSnapshotId())
                .setStep(r.step())
                .setStatus(io.seedflow.schemas.UpdateStatus.valueOf(r.status().name()))
                .setDecayFactor(r.decayFactor())
                .setPerturbations(terms)
                .setEpsilon(r.epsilon())
                .setLearningRate(r.learningRate())
                .setBatchSize(r.batchSize())
                .setLineage(lineage)
                .setTrainerTimeMillis(Instant.ofEpochMilli(r.trainerTimeMillis()))
                .setMask(r.mask() == null ? null : toAvro(r.mask()))
                .setSubspace(r.subspace() == null ? null : toAvro(r.subspace()))
                .setHeadDelta(r.headDelta() == null ? null : toAvro(r.headDelta()))
                .build();
    }

    /** Bytes of the record's Avro binary body (without the 5-byte registry header or any container framing). */
    public static int avroBodySize(UpdateRecord r) {
        return avroBodySize(toAvro(r));
    }

    /** Bytes of the Avro binary body of a generated record ({@link ModelUpdate}, {@link CompactModelUpdate}, ...). */
    public static int avroBodySize(org.apache.avro.specific.SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            org.apache.avro.io.BinaryEncoder enc =
                    org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
            new org.apache.avro.specific.SpecificDatumWriter<>(record.getSchema()).write(record, enc);
            enc.flush();
            return out.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static UpdateRecord fromAvro(ModelUpdate m) {
        List<PerturbationTerm> terms = new ArrayList<>(m.getPerturbations().size());
        for (Perturbation p : m.getPerturbations()) {
            terms.add(new PerturbationTerm(p.getSeed(), p.getCoefficient(), p.getProjectedGradient(), p.getLossPlus(),
                    p.getLossMinus()));
        }
        List<Lineage> lineage = new ArrayList<>(m.getLineage().size());
        for (LineageRange l : m.getLineage()) {
            lineage.add(lineage(m.getStep(), l.getSource(), l.getPartition(), l.getFromOffset(), l.getUntilOffset()));
        }
        return new UpdateRecord(m.getFormatVersion(), m.getModelId(), m.getBaseSnapshotId(), m.getStep(),
                UpdateStatus.valueOf(m.getStatus().name()), m.getDecayFactor(), terms, m.getEpsilon(),
                m.getLearningRate(), m.getBatchSize(), lineage, m.getTrainerTimeMillis().toEpochMilli(),
                m.getMask() == null ? null : fromAvro(m.getMask()),
                m.getSubspace() == null ? null : fromAvro(m.getSubspace()),
                m.getHeadDelta() == null ? null : fromAvro(m.getHeadDelta(), m.getStep()));
    }

    /**
     * The compact (format 4) form of {@code r} in {@code context}, which must hold its model id, base snapshot id and
     * every lineage source; the context travels inline iff {@code inline}. The monitoring-only fields (losses,
     * projected gradients, epsilon, learning rate, batch size) are dropped.
     */
    public static CompactModelUpdate toCompact(UpdateRecord r, LogContext context, boolean inline) {
        int expectedVersion = UpdateRecord.formatVersionFor(r.mask(), r.subspace(), r.headDelta());
        if (r.formatVersion() != expectedVersion) {
            throw new InvalidUpdateRecordException("step " + r.step() + ": format version " + r.formatVersion()
                    + " does not match its sections (version " + expectedVersion + "); not encoded");
        }
        if (!r.modelId().equals(context.getModelId()) || !r.baseSnapshotId().equals(context.getBaseSnapshotId())) {
            throw new IllegalArgumentException("step " + r.step() + " of model '" + r.modelId() + "' based on "
                    + r.baseSnapshotId() + " cannot use the log context of model '" + context.getModelId()
                    + "' based on " + context.getBaseSnapshotId());
        }
        ByteBuffer terms = ByteBuffer.allocate(COMPACT_TERM_BYTES * r.perturbations().size())
                .order(ByteOrder.LITTLE_ENDIAN);
        for (PerturbationTerm t : r.perturbations()) {
            terms.putLong(t.seed()).putFloat(t.coefficient());
        }
        terms.flip();
        List<CompactLineageRange> lineage = new ArrayList<>(r.lineage().size());
        for (Lineage l : r.lineage()) {
            int source = context.getSources().indexOf(l.source());
            if (source < 0) {
                throw new IllegalArgumentException("step " + r.step() + ": lineage source '" + l.source()
                        + "' is not in the log context's sources " + context.getSources());
            }
            lineage.add(new CompactLineageRange(source, l.partition(), l.fromOffset(), l.count()));
        }
        boolean skipped = r.status() == UpdateStatus.SKIPPED_NON_FINITE;
        boolean plain = !inline && !skipped && Float.floatToRawIntBits(r.decayFactor()) == Float.floatToRawIntBits(1f)
                && r.mask() == null && r.subspace() == null && r.headDelta() == null;
        CompactUpdateExtension extension = plain ? null : CompactUpdateExtension.newBuilder()
                .setContext(inline ? context : null)
                .setSkipped(skipped)
                .setDecayFactor(r.decayFactor())
                .setMask(r.mask() == null ? null : toAvro(r.mask()))
                .setSubspace(r.subspace() == null ? null : toAvro(r.subspace()))
                .setHeadDelta(r.headDelta() == null ? null : toAvro(r.headDelta()))
                .build();
        return new CompactModelUpdate(contextIdBytes(contextId(context)), r.step(), terms,
                Math.subtractExact(r.trainerTimeMillis(), context.getOriginMillis()), lineage, extension);
    }

    /**
     * The record that compact {@code m} encodes, resolved in {@code context} (the context its id names). The
     * monitoring-only fields are not carried: epsilon, learning rate, projected gradients and losses read NaN, the
     * batch size 0. The format version is the one its sections imply (1, 2 or 3), so the record applies exactly as the
     * full record with the same sections.
     */
    public static UpdateRecord fromCompact(CompactModelUpdate m, LogContext context) {
        long step = m.getStep();
        ByteBuffer bytes = m.getTerms().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.remaining() % COMPACT_TERM_BYTES != 0) {
            throw new InvalidUpdateRecordException("step " + step + ": compact terms field has " + bytes.remaining()
                    + " bytes; must be a multiple of " + COMPACT_TERM_BYTES + " (8-byte seed + 4-byte coefficient)");
        }
        List<PerturbationTerm> terms = new ArrayList<>(bytes.remaining() / COMPACT_TERM_BYTES);
        while (bytes.hasRemaining()) {
            terms.add(new PerturbationTerm(bytes.getLong(), bytes.getFloat(), Float.NaN, Float.NaN, Float.NaN));
        }
        List<Lineage> lineage = new ArrayList<>(m.getLineage().size());
        for (CompactLineageRange l : m.getLineage()) {
            if (l.getSource() < 0 || l.getSource() >= context.getSources().size()) {
                throw new InvalidUpdateRecordException("step " + step + ": lineage source index " + l.getSource()
                        + " is outside the log context's " + context.getSources().size() + " sources");
            }
            if (l.getCount() < 0 || l.getFromOffset() > Long.MAX_VALUE - l.getCount()) {
                throw new InvalidUpdateRecordException("step " + step + ": lineage range from offset "
                        + l.getFromOffset() + " with count " + l.getCount() + "; the count must be >= 0 and the end "
                        + "offset must fit in a long");
            }
            lineage.add(lineage(step, context.getSources().get(l.getSource()), l.getPartition(), l.getFromOffset(),
                    l.getFromOffset() + l.getCount()));
        }
        CompactUpdateExtension x = m.getExtension();
        UpdateMask mask = x == null || x.getMask() == null ? null : fromAvro(x.getMask());
        SubspaceCorrection subspace = x == null || x.getSubspace() == null ? null : fromAvro(x.getSubspace());
        HeadDelta headDelta = x == null || x.getHeadDelta() == null ? null : fromAvro(x.getHeadDelta(), step);
        return new UpdateRecord(UpdateRecord.formatVersionFor(mask, subspace, headDelta), context.getModelId(),
                context.getBaseSnapshotId(), step,
                x != null && x.getSkipped() ? UpdateStatus.SKIPPED_NON_FINITE : UpdateStatus.APPLIED,
                x == null ? 1f : x.getDecayFactor(), terms, Float.NaN, Float.NaN, 0, lineage,
                context.getOriginMillis() + m.getTimeOffsetMillis(), mask, subspace, headDelta);
    }

    /**
     * A lineage range read from a record of {@code step}: a negative offset or an end before the start (spec §4) is
     * a malformed record, refused naming the step and the range.
     */
    private static Lineage lineage(long step, String source, int partition, long from, long until) {
        try {
            return new Lineage(source, partition, from, until);
        } catch (IllegalArgumentException e) {
            throw new InvalidUpdateRecordException("step " + step + ": " + e.getMessage() + " (source '" + source
                    + "', partition " + partition + ")");
        }
    }

    /**
     * The canonical bytes of {@code r} that the log's hash chain covers (docs/update-log-spec.md §10): the Avro binary
     * body of its compact (format 4) encoding with the context {@link #contextOf} carried inline. They depend only on
     * what a replica applies plus the lineage and the trainer time, not on how the record travelled (full or compact,
     * context inline or by id).
     */
    public static byte[] canonicalBytes(UpdateRecord r) {
        return binary(COMPACT_WRITER, toCompact(r, contextOf(r), true));
    }

    /** The chain link after {@code previous} for {@code r} (docs/update-log-spec.md §10). */
    public static byte[] nextLink(byte[] previous, UpdateRecord r) {
        return io.seedflow.core.log.LogChain.next(previous, canonicalBytes(r));
    }

    /** The chain link after {@code previous} for a step of either kind (a rollback's canonical bytes: spec §11). */
    public static byte[] nextLink(byte[] previous, io.seedflow.core.log.LogStep step) {
        return step instanceof UpdateRecord r ? nextLink(previous, r) : io.seedflow.core.log.LogChain.next(previous,
                ModelRollbackCodec.canonicalBytes((io.seedflow.core.log.ModelRollback) step));
    }

    /** The context a record would define: its model, base snapshot, lineage sources in order, its time as origin. */
    public static LogContext contextOf(UpdateRecord r) {
        List<String> sources = new ArrayList<>(1);
        for (Lineage l : r.lineage()) {
            if (!sources.contains(l.source())) {
                sources.add(l.source());
            }
        }
        return new LogContext(r.modelId(), r.baseSnapshotId(), sources, r.trainerTimeMillis());
    }

    /** The id of a context: the first 4 bytes (big-endian) of the SHA-256 of its Avro binary encoding. */
    public static int contextId(LogContext context) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(binary(CONTEXT_WRITER, context));
            return ByteBuffer.wrap(sha, 0, 4).getInt();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The Avro binary encoding of {@code datum}. */
    static <T> byte[] binary(org.apache.avro.specific.SpecificDatumWriter<T> writer, T datum) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out,
                    null);
            writer.write(datum, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return out.toByteArray();
    }

    /** The context id that a compact record names, as an int (big-endian). */
    public static int contextId(CompactModelUpdate m) {
        return ByteBuffer.wrap(m.getContext().bytes()).getInt();
    }

    private static LogContextId contextIdBytes(int id) {
        return new LogContextId(ByteBuffer.allocate(4).putInt(id).array());
    }

    private static final org.apache.avro.specific.SpecificDatumWriter<LogContext> CONTEXT_WRITER =
            new org.apache.avro.specific.SpecificDatumWriter<>(LogContext.class);
    private static final org.apache.avro.specific.SpecificDatumWriter<CompactModelUpdate> COMPACT_WRITER =
            new org.apache.avro.specific.SpecificDatumWriter<>(CompactModelUpdate.class);

    private static io.seedflow.schemas.UpdateMask toAvro(UpdateMask mask) {
        List<io.seedflow.schemas.TensorMask> tensors = new ArrayList<>(mask.tensors().size());
        for (TensorMask t : mask.tensors()) {
            tensors.add(io.seedflow.schemas.TensorMask.newBuilder().setTensor(t.tensor())
                    .setMaxMagnitude(t.maxMagnitude()).setKeepSeed(t.keepSeed()).setKeepFraction(t.keepFraction())
                    .build());
        }
        return io.seedflow.schemas.UpdateMask.newBuilder().setTensors(tensors).build();
    }

    private static UpdateMask fromAvro(io.seedflow.schemas.UpdateMask mask) {
        List<TensorMask> tensors = new ArrayList<>(mask.getTensors().size());
        for (io.seedflow.schemas.TensorMask t : mask.getTensors()) {
            tensors.add(new TensorMask(t.getTensor(), t.getMaxMagnitude(), t.getKeepSeed(), t.getKeepFraction()));
        }
        return new UpdateMask(tensors);
    }

    private static io.seedflow.schemas.SubspaceCorrection toAvro(SubspaceCorrection s) {
        return io.seedflow.schemas.SubspaceCorrection.newBuilder().setTensors(s.tensors())
                .setWindowSeeds(s.windowSeeds()).setWindowCoefficients(s.windowCoefficients())
                .setRemoved(s.removed()).build();
    }

    private static SubspaceCorrection fromAvro(io.seedflow.schemas.SubspaceCorrection s) {
        return new SubspaceCorrection(s.getTensors(), s.getWindowSeeds(), s.getWindowCoefficients(), s.getRemoved());
    }

    /** Each tensor's values as little-endian binary32 bytes (raw bits, so -0 and every payload survive). */
    private static io.seedflow.schemas.HeadDelta toAvro(HeadDelta h) {
        List<TensorDelta> tensors = new ArrayList<>(h.size());
        for (int i = 0; i < h.size(); i++) {
            ByteBuffer bytes = ByteBuffer.allocate(4 * h.length(i)).order(ByteOrder.LITTLE_ENDIAN);
            for (int e = 0; e < h.length(i); e++) {
                bytes.putFloat(h.value(i, e));
            }
            bytes.flip();
            tensors.add(TensorDelta.newBuilder().setTensor(h.tensor(i)).setValues(bytes).build());
        }
        return io.seedflow.schemas.HeadDelta.newBuilder().setTensors(tensors).build();
    }

    private static HeadDelta fromAvro(io.seedflow.schemas.HeadDelta h, long step) {
        int n = h.getTensors().size();
        int[] tensors = new int[n];
        float[][] values = new float[n][];
        for (int i = 0; i < n; i++) {
            TensorDelta d = h.getTensors().get(i);
            ByteBuffer bytes = d.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.remaining() % 4 != 0) {
                throw new InvalidUpdateRecordException("step " + step + ": head delta of tensor " + d.getTensor()
                        + " has " + bytes.remaining() + " value bytes; must be a multiple of 4 (binary32 values)");
            }
            tensors[i] = d.getTensor();
            values[i] = new float[bytes.remaining() / 4];
            for (int e = 0; e < values[i].length; e++) {
                values[i][e] = bytes.getFloat();
            }
        }
        return new HeadDelta(tensors, values);
    }
}
