package io.seedflow.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.zo.ShardEvaluation;
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
    void refusesAnotherLayoutAndTrailingBytes() {
        byte[] bytes = StepShareCodec.encode(new StepShare(1, false, List.of(), List.of()));
        byte[] other = bytes.clone();
        other[0] = 9;
        assertThatThrownBy(() -> StepShareCodec.decode(other)).isInstanceOf(UnsupportedFormatVersionException.class);
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> StepShareCodec.decode(longer)).hasMessageContaining("trailing");
    }
}
