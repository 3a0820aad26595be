package io.seedflow.operators.internal;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.HeadDelta;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceCorrection;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The versioned binary layout of the trainer's state entries (no Java serialization). Every entry starts with a
 * layout version byte; decoding refuses any other version and any trailing bytes. Layout v1 (big-endian, strings
 * as {@link DataOutput#writeUTF}):
 * <pre>
 * update record: u8 1 | i32 formatVersion | utf modelId | utf baseSnapshotId | i64 step | u8 status ordinal
 *                | f32 decay | i32 q | q x (i64 seed, f32 coefficient, f32 gradient, f32 loss+, f32 loss-)
 *                | f32 epsilon | f32 learningRate | i32 batchSize
 *                | i32 n | n x (utf source, i32 partition, i64 from, i64 until) | i64 trainerTimeMillis
 * snapshot pointer: u8 1 | utf snapshotId | utf path | i64 step
 * </pre>
 * Layout v2 changes only the snapshot pointer (records stay v1):
 * <pre>
 * snapshot pointer: u8 2 | utf snapshotId | utf uri | i64 step | i64 sizeBytes | utf weightsSha256
 *                   | i64 createdMillis
 * </pre>
 * v1 pointers still decode (size -1, weights hash "", creation time 0). Record layout 2 appends the format-2
 * sections to the v1 record layout:
 * <pre>
 * update record: u8 2 | (v1 fields) | u8 hasMask [i32 n | n x (i32 tensor, f32 maxMagnitude, i64 keepSeed,
 *                f32 keepFraction)] | u8 hasSubspace [i32 g | g x i32 tensor | i32 tau | tau x (i64 seed,
 *                f32 coefficient) | i32 r | r x f32 removed]
 * </pre>
 * Layout 1 records still decode (no mask, no correction). Record layout 3 appends the exact head's delta (format 3):
 * <pre>
 * update record: u8 3 | (layout 2 fields) | u8 hasHeadDelta [i32 n | n x (i32 tensor, i32 length,
 *                length x f32 value)]
 * </pre>
 * Layout 2 records still decode (no head delta).
 * The record layout is also the operator's output serializer, so it must never change in place: a new layout gets
 * a new version byte and this class keeps decoding the old ones.
 */
public final class TrainerStateCodec {
    public static final int LAYOUT_VERSION = 1;
    /** Layout byte of records written now. */
    public static final int RECORD_LAYOUT = 3;
    public static final int POINTER_LAYOUT_VERSION = 2;

    private TrainerStateCodec() {
    }

    public static byte[] encodeRecord(UpdateRecord r) {
        return encode(out -> writeRecord(out, r));
    }

    public static UpdateRecord decodeRecord(byte[] bytes) {
        return decode(bytes, "update record in trainer state", TrainerStateCodec::readRecord);
    }

    public static byte[] encodePointer(SnapshotPointer p) {
        return encode(out -> {
            out.writeByte(POINTER_LAYOUT_VERSION);
            out.writeUTF(p.snapshotId());
            out.writeUTF(p.uri());
            out.writeLong(p.step());
            out.writeLong(p.sizeBytes());
            out.writeUTF(p.weightsSha256());
            out.writeLong(p.createdMillis());
        });
    }

    public static SnapshotPointer decodePointer(byte[] bytes) {
        String what = "snapshot pointer in trainer state";
        return decode(bytes, what, in -> {
            int version = in.readUnsignedByte();
            if (version == 1) {
                return new SnapshotPointer(in.readUTF(), in.readUTF(), in.readLong(), -1, "", 0);
            }
            if (version != POINTER_LAYOUT_VERSION) {
                throw new UnsupportedFormatVersionException(what, version, POINTER_LAYOUT_VERSION);
            }
            return new SnapshotPointer(in.readUTF(), in.readUTF(), in.readLong(), in.readLong(), in.readUTF(),
                    in.readLong());
        });
    }

    /** Writes one record (v1 layout, version byte first). */
    public static void writeRecord(DataOutput out, UpdateRecord r) throws IOException {
        out.writeByte(RECORD_LAYOUT);
        out.writeInt(r.formatVersion());
        out.writeUTF(r.modelId());
        out.writeUTF(r.baseSnapshotId());
        out.writeLong(r.step());
        out.writeByte(r.status().ordinal());
        out.writeFloat(r.decayFactor());
        out.writeInt(r.perturbations().size());
        for (PerturbationTerm t : r.perturbations()) {
            out.writeLong(t.seed());
            out.writeFloat(t.coefficient());
            out.writeFloat(t.projectedGradient());
            out.writeFloat(t.lossPlus());
            out.writeFloat(t.lossMinus());
        }
        out.writeFloat(r.epsilon());
        out.writeFloat(r.learningRate());
        out.writeInt(r.batchSize());
        out.writeInt(r.lineage().size());
        for (Lineage l : r.lineage()) {
            out.writeUTF(l.source());
            out.writeInt(l.partition());
            out.writeLong(l.fromOffset());
            out.writeLong(l.untilOffset());
        }
        out.writeLong(r.trainerTimeMillis());
        writeSparse(out, r);
        writeHeadDelta(out, r.headDelta());
    }

    /** Layout 3 appends the exact head's delta (a presence byte). */
    private static void writeHeadDelta(DataOutput out, HeadDelta h) throws IOException {
        out.writeBoolean(h != null);
        if (h != null) {
            out.writeInt(h.tensors().length);
            for (int i = 0; i < h.tensors().length; i++) {
                out.writeInt(h.tensors()[i]);
                float[] v = h.values()[i];
                out.writeInt(v.length);
                for (float x : v) {
                    out.writeFloat(x);
                }
            }
        }
    }

    private static HeadDelta readHeadDelta(DataInput in, long step) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        int n = checkCount(in.readInt(), "head delta tensors", step);
        int[] tensors = new int[n];
        float[][] values = new float[n][];
        for (int i = 0; i < n; i++) {
            tensors[i] = in.readInt();
            values[i] = new float[checkLength(in.readInt(), "head delta values", step)];
            for (int e = 0; e < values[i].length; e++) {
                values[i][e] = in.readFloat();
            }
        }
        return new HeadDelta(tensors, values);
    }

    /** Layout 2 appends the mask and subspace sections (a presence byte each). */
    private static void writeSparse(DataOutput out, UpdateRecord r) throws IOException {
        out.writeBoolean(r.mask() != null);
        if (r.mask() != null) {
            out.writeInt(r.mask().tensors().size());
            for (TensorMask m : r.mask().tensors()) {
                out.writeInt(m.tensor());
                out.writeFloat(m.maxMagnitude());
                out.writeLong(m.keepSeed());
                out.writeFloat(m.keepFraction());
            }
        }
        SubspaceCorrection s = r.subspace();
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeInt(s.tensors().size());
            for (int t : s.tensors()) {
                out.writeInt(t);
            }
            out.writeInt(s.windowSeeds().size());
            for (int i = 0; i < s.windowSeeds().size(); i++) {
                out.writeLong(s.windowSeeds().get(i));
                out.writeFloat(s.windowCoefficients().get(i));
            }
            out.writeInt(s.removed().size());
            for (float b : s.removed()) {
                out.writeFloat(b);
            }
        }
    }

    private static UpdateMask readMask(DataInput in, long step) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        int n = checkCount(in.readInt(), "mask tensors", step);
        List<TensorMask> masks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            masks.add(new TensorMask(in.readInt(), in.readFloat(), in.readLong(), in.readFloat()));
        }
        return new UpdateMask(masks);
    }

    private static SubspaceCorrection readSubspace(DataInput in, long step) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        int nt = checkCount(in.readInt(), "subspace tensors", step);
        List<Integer> tensors = new ArrayList<>(nt);
        for (int i = 0; i < nt; i++) {
            tensors.add(in.readInt());
        }
        int tau = checkCount(in.readInt(), "subspace window", step);
        List<Long> seeds = new ArrayList<>(tau);
        List<Float> coeffs = new ArrayList<>(tau);
        for (int i = 0; i < tau; i++) {
            seeds.add(in.readLong());
            coeffs.add(in.readFloat());
        }
        int r = checkCount(in.readInt(), "removed directions", step);
        List<Float> removed = new ArrayList<>(r);
        for (int i = 0; i < r; i++) {
            removed.add(in.readFloat());
        }
        return new SubspaceCorrection(tensors, seeds, coeffs, removed);
    }

    /** Reads one record written by {@link #writeRecord}. */
    public static UpdateRecord readRecord(DataInput in) throws IOException {
        int layout = in.readUnsignedByte();
        if (layout < 1 || layout > RECORD_LAYOUT) {
            throw new UnsupportedFormatVersionException("update record in trainer state", layout, 1, RECORD_LAYOUT);
        }
        int formatVersion = in.readInt();
        String modelId = in.readUTF();
        String base = in.readUTF();
        long step = in.readLong();
        int status = in.readUnsignedByte();
        UpdateStatus[] statuses = UpdateStatus.values();
        if (status >= statuses.length) {
            throw new IOException("update record for step " + step + ": status ordinal " + status
                    + " is not one of 0.." + (statuses.length - 1));
        }
        float decay = in.readFloat();
        int q = checkCount(in.readInt(), "perturbation terms", step);
        List<PerturbationTerm> terms = new ArrayList<>(q);
        for (int k = 0; k < q; k++) {
            terms.add(new PerturbationTerm(in.readLong(), in.readFloat(), in.readFloat(), in.readFloat(), in.readFloat()));
        }
        float eps = in.readFloat();
        float lr = in.readFloat();
        int batchSize = in.readInt();
        int n = checkCount(in.readInt(), "lineage ranges", step);
        List<Lineage> lineage = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            lineage.add(new Lineage(in.readUTF(), in.readInt(), in.readLong(), in.readLong()));
        }
        long time = in.readLong();
        UpdateMask mask = layout >= 2 ? readMask(in, step) : null;
        SubspaceCorrection subspace = layout >= 2 ? readSubspace(in, step) : null;
        HeadDelta headDelta = layout >= 3 ? readHeadDelta(in, step) : null;
        return new UpdateRecord(formatVersion, modelId, base, step, statuses[status], decay, terms, eps, lr, batchSize,
                lineage, time, mask, subspace, headDelta);
    }

    private static int checkCount(int n, String what, long step) throws IOException {
        if (n < 0 || n > 1 << 20) {
            throw new IOException("update record for step " + step + ": " + what + " count " + n
                    + " is outside [0, 2^20]; the state entry is corrupt");
        }
        return n;
    }

    /** Element counts of one tensor are bounded by the largest tensor a model may have (2^28 floats, 1 GiB). */
    private static int checkLength(int n, String what, long step) throws IOException {
        if (n < 0 || n > 1 << 28) {
            throw new IOException("update record for step " + step + ": " + what + " length " + n
                    + " is outside [0, 2^28]; the state entry is corrupt");
        }
        return n;
    }

    private static void checkVersion(int version, String what) {
        if (version != LAYOUT_VERSION) {
            throw new UnsupportedFormatVersionException(what, version, LAYOUT_VERSION);
        }
    }

    private interface Writer {
        void write(DataOutput out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] encode(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static <T> T decode(byte[] bytes, String what, Reader<T> r) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            T value = r.read(in);
            if (in.available() != 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("decoding " + what + " (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }
}
