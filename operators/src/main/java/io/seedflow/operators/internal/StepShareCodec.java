package io.seedflow.operators.internal;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.zo.ShardEvaluation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The versioned binary layout of a {@link StepShare}, the payload of the data-parallel trainer's operator events (no
 * Java serialization inside; Flink wraps the event for its RPC). Big-endian, strings as
 * {@link java.io.DataOutput#writeUTF}. Layout 2 (written):
 * <pre>
 * u8 2 | i64 step | u8 inputEnded | i32 n | n x (utf source, i32 partition, i64 from, i64 until)
 *      | i32 pieces | pieces x (i32 firstProbe | i32 probes | probes x (f64 sum L+, f64 sum L-, i32 count))
 * </pre>
 * {@code firstProbe} is the piece's first evaluated probe (0, or a probe group's start in a perturbation-parallel
 * step, {@link io.seedflow.core.zo.StepLayout}). Layout 1 (still read) is the same without {@code firstProbe}: every
 * piece from probe 0. Doubles travel as their exact bits, so the receiver combines exactly the sums the sender
 * computed. The exact head's gradient sums have no section yet (the trainer refuses an exact head at parallelism > 1).
 * Decoding refuses another layout byte and trailing bytes.
 */
public final class StepShareCodec {
    public static final int LAYOUT = 2;
    /** The layout before probe groups: every piece from probe 0. */
    public static final int LAYOUT_WITHOUT_FIRST_PROBE = 1;

    private StepShareCodec() {
    }

    public static byte[] encode(StepShare share) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 28 * share.pieces().size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(LAYOUT);
            out.writeLong(share.step());
            out.writeBoolean(share.inputEnded());
            out.writeInt(share.lineage().size());
            for (Lineage l : share.lineage()) {
                out.writeUTF(l.source());
                out.writeInt(l.partition());
                out.writeLong(l.fromOffset());
                out.writeLong(l.untilOffset());
            }
            out.writeInt(share.pieces().size());
            for (ShardEvaluation piece : share.pieces()) {
                if (piece.head() != null) {
                    throw new IllegalArgumentException("step share layout " + LAYOUT + " carries no exact-head "
                            + "gradient; the data-parallel trainer does not take an exact head yet");
                }
                out.writeInt(piece.firstProbe());
                out.writeInt(piece.probes().size());
                for (LossSums s : piece.probes()) {
                    out.writeDouble(s.plus());
                    out.writeDouble(s.minus());
                    out.writeInt(s.count());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static StepShare decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int layout = in.readUnsignedByte();
            if (layout != LAYOUT && layout != LAYOUT_WITHOUT_FIRST_PROBE) {
                throw new UnsupportedFormatVersionException("step share", layout, LAYOUT_WITHOUT_FIRST_PROBE, LAYOUT);
            }
            long step = in.readLong();
            boolean ended = in.readBoolean();
            int n = in.readInt();
            List<Lineage> lineage = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                lineage.add(new Lineage(in.readUTF(), in.readInt(), in.readLong(), in.readLong()));
            }
            int pieces = in.readInt();
            List<ShardEvaluation> evaluations = new ArrayList<>(pieces);
            for (int p = 0; p < pieces; p++) {
                int firstProbe = layout == LAYOUT ? in.readInt() : 0;
                int probes = in.readInt();
                List<LossSums> sums = new ArrayList<>(probes);
                for (int k = 0; k < probes; k++) {
                    sums.add(new LossSums(in.readDouble(), in.readDouble(), in.readInt()));
                }
                evaluations.add(new ShardEvaluation(sums, null, firstProbe));
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("step share: " + in.available() + " trailing bytes after layout "
                        + layout);
            }
            return new StepShare(step, ended, lineage, evaluations);
        } catch (IOException e) {
            throw new UncheckedIOException("step share: truncated or malformed (" + bytes.length + " bytes)", e);
        }
    }
}
