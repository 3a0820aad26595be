package io.seedflow.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.zo.ShardEvaluation;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepShareCodecTest {
    @Test
    void roundTripsTheExactSumBits() {
        StepShare share = new StepShare(42, true, List.of(new Lineage("events", 3, 10, 74)),
                List.of(new ShardEvaluation(List.of(new LossSums(0.1 + 0.2, Double.NaN, 64))),
                        new ShardEvaluation(List.of(new LossSums(-0.0, Double.MIN_VALUE, 1)))));
        StepShare back = StepShareCodec.decode(StepShareCodec.encode(share));
        assertThat(back).isEqualTo(share);
        assertThat(Double.doubleToRawLongBits(back.pieces().get(1).probes().get(0).plus()))
                .isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(back.examples()).isEqualTo(65);
    }

    @Test
    void carriesTheSharesTestThenTrainPredictions() {
        StepShare share = new StepShare(5, false, List.of(new Lineage("events", 0, 0, 3)),
                List.of(new ShardEvaluation(List.of(new LossSums(1, 2, 3)))), List.of(0, 5, 8));
        StepShare back = StepShareCodec.decode(StepShareCodec.encode(share));
        assertThat(back).isEqualTo(share);
        assertThat(back.scored()).containsExactly(0, 5, 8);
    }

    @Test
    void stillReadsLayoutThreeWithoutPredictions() {
        StepShare share = new StepShare(5, false, List.of(new Lineage("events", 0, 0, 3)),
                List.of(new ShardEvaluation(List.of(new LossSums(1, 2, 3)))));
        byte[] layout4 = StepShareCodec.encode(share);
        assertThat(StepShareCodec.decode(asLayoutThree(layout4))).isEqualTo(share);
        byte[] truncated = java.util.Arrays.copyOf(layout4, layout4.length - 1);
        assertThatThrownBy(() -> StepShareCodec.decode(truncated)).hasMessageContaining("step share");
    }

    @Test
    void carriesEachPiecesFirstProbe() {
        StepShare share = new StepShare(7, false, List.of(new Lineage("events", 0, 0, 8)),
                List.of(new ShardEvaluation(List.of(new LossSums(1.5, 2.5, 4), new LossSums(3, 4, 4)), null, 2),
                        new ShardEvaluation(List.of(new LossSums(5, 6, 4)), null, 2)));
        byte[] bytes = StepShareCodec.encode(share);
        assertThat(bytes[0]).isEqualTo((byte) StepShareCodec.LAYOUT);
        StepShare back = StepShareCodec.decode(bytes);
        assertThat(back).isEqualTo(share);
        assertThat(back.pieces()).extracting(ShardEvaluation::firstProbe).containsExactly(2, 2);
    }

    @Test
    void carriesTheExactHeadsSumsBitForBit() {
        double oddNan = Double.longBitsToDouble(0x7ff8_0000_dead_beefL);
        HeadGradient head = HeadGradient.ofSums(new double[] {0.1 + 0.2, -0.0, oddNan, Double.MIN_VALUE, -1e300, 7},
                new double[] {1.0 / 3, -2.5}, 24);
        StepShare share = new StepShare(9, false, List.of(new Lineage("events", 0, 0, 12)),
                List.of(new ShardEvaluation(List.of(new LossSums(1.5, 2.5, 12), new LossSums(3, 4, 12)), head, 0),
                        new ShardEvaluation(List.of(new LossSums(5, 6, 4)), null, 2)));
        byte[] bytes = StepShareCodec.encode(share);
        assertThat(bytes[0]).isEqualTo((byte) StepShareCodec.LAYOUT);
        StepShare back = StepShareCodec.decode(bytes);
        assertThat(back.step()).isEqualTo(9);
        assertThat(back.lineage()).isEqualTo(share.lineage());
        assertThat(back.pieces()).extracting(ShardEvaluation::probes, ShardEvaluation::firstProbe)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(share.pieces().get(0).probes(), 0),
                        org.assertj.core.groups.Tuple.tuple(share.pieces().get(1).probes(), 2));
        HeadGradient decoded = back.pieces().get(0).head();
        assertThat(bits(decoded.weight())).isEqualTo(bits(head.weight()));
        assertThat(bits(decoded.bias())).isEqualTo(bits(head.bias()));
        assertThat(decoded.passes()).isEqualTo(24);
        assertThat(back.pieces().get(1).head()).isNull();
        assertThat(StepShareCodec.encode(back)).as("re-encoded").isEqualTo(bytes);
    }

    @Test
    void refusesAHeadSectionWithWrongCountsOrCutShort() {
        StepShare share = new StepShare(9, false, List.of(), List.of(new ShardEvaluation(
                List.of(new LossSums(1.5, 2.5, 12)), HeadGradient.ofSums(new double[6], new double[2], 24), 0)));
        byte[] bytes = asLayoutThree(StepShareCodec.encode(share)); // the head section ends the payload
        int head = bytes.length - (1 + 4 + 4 + 8 * 8 + 4); // the piece's head section: flag, counts, sums, passes
        assertThat(bytes[head]).isEqualTo((byte) 1);

        byte[] moreWeights = bytes.clone();
        moreWeights[head + 4] = 7; // 7 weight elements where 6 are written: the bytes run out
        assertThatThrownBy(() -> StepShareCodec.decode(moreWeights)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the head section names 7 weight and 2 bias elements").hasMessageContaining(
                        "only 68 bytes are left");
        byte[] fewerWeights = bytes.clone();
        fewerWeights[head + 4] = 5; // 5: one sum is left over as trailing bytes
        assertThatThrownBy(() -> StepShareCodec.decode(fewerWeights)).hasMessageContaining("8 trailing bytes");
        byte[] negative = bytes.clone();
        negative[head + 5] = (byte) 0xff;
        assertThatThrownBy(() -> StepShareCodec.decode(negative)).hasMessageContaining("head bias elements (negative)");
        byte[] badFlag = bytes.clone();
        badFlag[head] = 2;
        assertThatThrownBy(() -> StepShareCodec.decode(badFlag)).hasMessageContaining("flag must be 0 or 1, got 2");
        byte[] negativePasses = bytes.clone();
        negativePasses[bytes.length - 4] = (byte) 0x80;
        assertThatThrownBy(() -> StepShareCodec.decode(negativePasses)).hasMessageContaining("passes must be >= 0");
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 2); // the pass count cut short
        assertThatThrownBy(() -> StepShareCodec.decode(truncated)).hasMessageContaining("bytes are left");
        byte[] noSection = java.util.Arrays.copyOf(bytes, head); // cut before the head section's flag
        assertThatThrownBy(() -> StepShareCodec.decode(noSection)).hasMessageContaining("truncated or malformed");
        byte[] headOfLaterProbe = bytes.clone();
        headOfLaterProbe[1 + 8 + 1 + 4 + 4 + 3] = 1; // the piece's first probe: 1
        assertThatThrownBy(() -> StepShareCodec.decode(headOfLaterProbe))
                .hasMessageContaining("the exact head's gradient comes from probe 0");
    }

    @Test
    void refusesWrongCountsOfRangesPiecesAndProbes() {
        byte[] bytes = StepShareCodec.encode(new StepShare(1, false, List.of(),
                List.of(new ShardEvaluation(List.of(new LossSums(1, 2, 3))))));
        int pieces = 1 + 8 + 1 + 4;
        byte[] manyPieces = bytes.clone();
        manyPieces[pieces + 3] = 4;
        assertThatThrownBy(() -> StepShareCodec.decode(manyPieces)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step share: 4 pieces, but only");
        byte[] negativeProbes = bytes.clone();
        negativeProbes[pieces + 4 + 4] = (byte) 0xff;
        assertThatThrownBy(() -> StepShareCodec.decode(negativeProbes)).hasMessageContaining("probes (negative)");
        byte[] manyRanges = bytes.clone();
        manyRanges[1 + 8 + 1 + 2] = 1;
        assertThatThrownBy(() -> StepShareCodec.decode(manyRanges)).hasMessageContaining("256 lineage ranges, but only");
    }

    @Test
    void stillReadsLayout2WithoutAHeadSection() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeLong(5);
            out.writeBoolean(false);
            out.writeInt(0); // no lineage
            out.writeInt(2); // two pieces
            out.writeInt(0); // from probe 0
            out.writeInt(1);
            out.writeDouble(0.1 + 0.2);
            out.writeDouble(-1.25);
            out.writeInt(8);
            out.writeInt(1); // from probe 1
            out.writeInt(1);
            out.writeDouble(7);
            out.writeDouble(8);
            out.writeInt(8);
        }
        StepShare back = StepShareCodec.decode(bytes.toByteArray());
        assertThat(back).isEqualTo(new StepShare(5, false, List.of(),
                List.of(new ShardEvaluation(List.of(new LossSums(0.1 + 0.2, -1.25, 8))),
                        new ShardEvaluation(List.of(new LossSums(7, 8, 8)), null, 1))));
    }

    @Test
    void stillReadsLayout1AsPiecesFromProbe0() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeLong(42);
            out.writeBoolean(true);
            out.writeInt(1);
            out.writeUTF("events");
            out.writeInt(3);
            out.writeLong(10);
            out.writeLong(74);
            out.writeInt(1); // one piece
            out.writeInt(2); // two probes
            out.writeDouble(0.1 + 0.2);
            out.writeDouble(-1.25);
            out.writeInt(64);
            out.writeDouble(7);
            out.writeDouble(8);
            out.writeInt(64);
        }
        StepShare back = StepShareCodec.decode(bytes.toByteArray());
        assertThat(back).isEqualTo(new StepShare(42, true, List.of(new Lineage("events", 3, 10, 74)),
                List.of(new ShardEvaluation(List.of(new LossSums(0.1 + 0.2, -1.25, 64), new LossSums(7, 8, 64))))));
        assertThat(back.pieces().get(0).firstProbe()).isZero();
    }

    @Test
    void refusesAnotherLayoutAndTrailingBytes() {
        byte[] bytes = StepShareCodec.encode(new StepShare(1, false, List.of(), List.of()));
        byte[] other = bytes.clone();
        other[0] = 9;
        assertThatThrownBy(() -> StepShareCodec.decode(other)).isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("format version 9 but this build supports versions 1 to 4");
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> StepShareCodec.decode(longer)).hasMessageContaining("trailing");
    }

    /** A layout-4 payload without predictions as layout 3: the same bytes without the (zero) predictions count. */
    private static byte[] asLayoutThree(byte[] layout4) {
        byte[] layout3 = java.util.Arrays.copyOf(layout4, layout4.length - 4);
        layout3[0] = (byte) StepShareCodec.LAYOUT_WITHOUT_SCORED;
        return layout3;
    }

    private static long[] bits(double[] v) {
        return java.util.Arrays.stream(v).mapToLong(Double::doubleToRawLongBits).toArray();
    }
}
