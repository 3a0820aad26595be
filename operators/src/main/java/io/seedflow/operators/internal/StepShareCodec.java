package io.seedflow.operators.internal;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.HeadGradient;
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
 * {@link java.io.DataOutput#writeUTF}. Layout 4 (written):
 * <pre>
 * u8 4 | i64 step | u8 inputEnded | i32 n | n x (utf source, i32 partition, i64 from, i64 until)
 *      | i32 pieces | pieces x (i32 firstProbe | i32 probes | probes x (f64 sum L+, f64 sum L-, i32 count)
 *                               | u8 hasHead [i32 w | i32 b | w x i64 weight sum bits | b x i64 bias sum bits
 *                                             | i32 passes])
 *      | i32 scored | scored x i32 (label * classes + predicted)
 * </pre>
 * {@code scored} are the share's test-then-train predictions ({@link StepShare#scored}). Layout 3 (still read) is
 * layout 4 without them.
 * {@code firstProbe} is the piece's first evaluated probe (0, or a probe group's start in a perturbation-parallel
 * step, {@link io.seedflow.core.zo.StepLayout}). The head section ({@code hasHead} 1) carries the exact head's
 * gradient sums of the piece ({@link HeadGradient}: w weight and b bias elements, each double as its raw IEEE-754
 * bits, and the pass count); only a piece evaluated from probe 0 with an exact head has one. Layout 2 (still read) is
 * layout 3 without {@code hasHead} and its section; layout 1 (still read) is layout 2 without {@code firstProbe}:
 * every piece from probe 0. Doubles travel as their exact bits, so the receiver combines exactly the sums the sender
 * computed. Decoding refuses another layout byte, a count that is negative or larger than the bytes left could hold,
 * a truncated payload and trailing bytes.
 */
public final class StepShareCodec {
    public static final int LAYOUT = 4;
    /** The layout before the prequential predictions. */
    public static final int LAYOUT_WITHOUT_SCORED = 3;
    /** The layout before the exact head: no head section. */
    public static final int LAYOUT_WITHOUT_HEAD = 2;
    /** The layout before probe groups: every piece from probe 0, no head section. */
    public static final int LAYOUT_WITHOUT_FIRST_PROBE = 1;

    private StepShareCodec() {
    }

    public static byte[] encode(StepShare share) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 32 * share.pieces().size());
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
                out.writeInt(piece.firstProbe());
                out.writeInt(piece.probes().size());
                for (LossSums s : piece.probes()) {
                    out.writeDouble(s.plus());
                    out.writeDouble(s.minus());
                    out.writeInt(s.count());
                }
                writeHead(out, piece.head());
            }
            out.writeInt(share.scored().size());
            for (int cell : share.scored()) {
                out.writeInt(cell);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static StepShare decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int layout = in.readUnsignedByte();
            if (layout < LAYOUT_WITHOUT_FIRST_PROBE || layout > LAYOUT) {
                throw new UnsupportedFormatVersionException("step share", layout, LAYOUT_WITHOUT_FIRST_PROBE, LAYOUT);
            }
            long step = in.readLong();
            boolean ended = in.readBoolean();
            int n = count(in, "lineage ranges", 2 + 4 + 8 + 8);
            List<Lineage> lineage = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                lineage.add(new Lineage(in.readUTF(), in.readInt(), in.readLong(), in.readLong()));
            }
            int pieces = count(in, "pieces", 4 + (layout >= LAYOUT_WITHOUT_HEAD ? 4 : 0)
                    + (layout >= LAYOUT_WITHOUT_SCORED ? 1 : 0));
            List<ShardEvaluation> evaluations = new ArrayList<>(pieces);
            for (int p = 0; p < pieces; p++) {
                int firstProbe = layout >= LAYOUT_WITHOUT_HEAD ? in.readInt() : 0;
                int probes = count(in, "probes", 8 + 8 + 4);
                List<LossSums> sums = new ArrayList<>(probes);
                for (int k = 0; k < probes; k++) {
                    sums.add(new LossSums(in.readDouble(), in.readDouble(), in.readInt()));
                }
                HeadGradient head = layout >= LAYOUT_WITHOUT_SCORED ? readHead(in) : null;
                evaluations.add(new ShardEvaluation(sums, head, firstProbe)); // refuses a head from another probe
            }
            List<Integer> scored = new ArrayList<>();
            if (layout >= LAYOUT) {
                int n2 = count(in, "scored examples", 4);
                for (int i = 0; i < n2; i++) {
                    scored.add(in.readInt());
                }
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("step share: " + in.available() + " trailing bytes after layout "
                        + layout);
            }
            return new StepShare(step, ended, lineage, evaluations, scored);
        } catch (IOException e) {
            throw new UncheckedIOException("step share: truncated or malformed (" + bytes.length + " bytes)", e);
        }
    }

    /** Layout 3's head section of a piece: a presence byte, then the sums as raw bits and the pass count. */
    private static void writeHead(DataOutputStream out, HeadGradient head) throws IOException {
        out.writeBoolean(head != null);
        if (head == null) {
            return;
        }
        double[] weight = head.weight();
        double[] bias = head.bias();
        out.writeInt(weight.length);
        out.writeInt(bias.length);
        for (double w : weight) {
            out.writeLong(Double.doubleToRawLongBits(w));
        }
        for (double b : bias) {
            out.writeLong(Double.doubleToRawLongBits(b));
        }
        out.writeInt(head.passes());
    }

    private static HeadGradient readHead(DataInputStream in) throws IOException {
        int present = in.readUnsignedByte();
        if (present == 0) {
            return null;
        }
        if (present != 1) {
            throw new IllegalArgumentException("step share: head section flag must be 0 or 1, got " + present);
        }
        int w = count(in, "head weight elements", 0);
        int b = count(in, "head bias elements", 0);
        long bytes = ((long) w + b) * 8 + 4;
        if (bytes > in.available()) {
            throw new IllegalArgumentException("step share: the head section names " + w + " weight and " + b
                    + " bias elements (" + bytes + " bytes with the pass count) but only " + in.available()
                    + " bytes are left");
        }
        double[] weight = new double[w];
        for (int i = 0; i < w; i++) {
            weight[i] = Double.longBitsToDouble(in.readLong());
        }
        double[] bias = new double[b];
        for (int i = 0; i < b; i++) {
            bias[i] = Double.longBitsToDouble(in.readLong());
        }
        return HeadGradient.ofSums(weight, bias, in.readInt()); // refuses a negative pass count
    }

    /**
     * Reads a count of {@code what}, each taking at least {@code bytesEach} bytes: refused when negative or when the
     * bytes left cannot hold that many (a wrong count, not a huge allocation).
     */
    private static int count(DataInputStream in, String what, int bytesEach) throws IOException {
        int n = in.readInt();
        if (n < 0 || (long) n * bytesEach > in.available()) {
            throw new IllegalArgumentException("step share: " + n + " " + what + (n < 0 ? " (negative)"
                    : ", but only " + in.available() + " bytes are left"));
        }
        return n;
    }
}
