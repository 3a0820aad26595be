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
import io.seedflow.schemas.LineageRange;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.schemas.Perturbation;
import io.seedflow.schemas.TensorDelta;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Converts between core's {@link UpdateRecord} and the Avro wire record {@link ModelUpdate}, field for field. */
public final class UpdateRecordCodec {
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

    private static final org.apache.avro.specific.SpecificDatumWriter<ModelUpdate> WRITER =
            new org.apache.avro.specific.SpecificDatumWriter<>(ModelUpdate.class);

    /** Bytes of the record's Avro binary body (without the 5-byte registry header or any container framing). */
    public static int avroBodySize(UpdateRecord r) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
            org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
            WRITER.write(toAvro(r), enc);
            enc.flush();
            return out.size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
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
            lineage.add(new Lineage(l.getSource(), l.getPartition(), l.getFromOffset(), l.getUntilOffset()));
        }
        return new UpdateRecord(m.getFormatVersion(), m.getModelId(), m.getBaseSnapshotId(), m.getStep(),
                UpdateStatus.valueOf(m.getStatus().name()), m.getDecayFactor(), terms, m.getEpsilon(),
                m.getLearningRate(), m.getBatchSize(), lineage, m.getTrainerTimeMillis().toEpochMilli(),
                m.getMask() == null ? null : fromAvro(m.getMask()),
                m.getSubspace() == null ? null : fromAvro(m.getSubspace()),
                m.getHeadDelta() == null ? null : fromAvro(m.getHeadDelta(), m.getStep()));
    }

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
