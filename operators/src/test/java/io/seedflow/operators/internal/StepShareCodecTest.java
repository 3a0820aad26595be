package io.seedflow.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.Lineage;
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
                .hasMessageContaining("format version 9 but this build supports versions 1 to 2");
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> StepShareCodec.decode(longer)).hasMessageContaining("trailing");
    }
}
