package io.seedflow.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.data.TrainingExample;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

class TrainerStateCodecTest {
    static final UpdateRecord RECORD = new UpdateRecord(1, "m", "ab12", 7, UpdateStatus.APPLIED, 0.999f,
            List.of(new PerturbationTerm(-5L, 1.5e-4f, 0.3f, 2.25f, 2.24f),
                    new PerturbationTerm(Long.MAX_VALUE, -0f, Float.MIN_VALUE, 1f, 1f)),
            1e-3f, 0.05f, 5, List.of(new Lineage("events", 0, 10, 13), new Lineage("events", 1, 4, 6)), 123L);

    @Test
    void recordAndPointerRoundTripExactly() {
        byte[] bytes = TrainerStateCodec.encodeRecord(RECORD);
        assertThat(bytes[0]).isEqualTo((byte) 1);
        UpdateRecord back = TrainerStateCodec.decodeRecord(bytes);
        assertThat(back).isEqualTo(RECORD);
        assertThat(Float.floatToRawIntBits(back.perturbations().get(1).coefficient()))
                .isEqualTo(Float.floatToRawIntBits(-0f));
        SnapshotPointer p = new SnapshotPointer("ab12", "file:/tmp/x/ab12.safetensors", 4, 1234, "cd34", 1_700_000_000_000L);
        assertThat(TrainerStateCodec.decodePointer(TrainerStateCodec.encodePointer(p))).isEqualTo(p);
    }

    @Test
    void unknownLayoutVersionAndTrailingBytesAreRefused() {
        byte[] bytes = TrainerStateCodec.encodeRecord(RECORD);
        bytes[0] = 2;
        assertThatThrownBy(() -> TrainerStateCodec.decodeRecord(bytes))
                .isInstanceOf(UnsupportedFormatVersionException.class);
        byte[] longer = Arrays.copyOf(TrainerStateCodec.encodeRecord(RECORD), bytes.length + 1);
        assertThatThrownBy(() -> TrainerStateCodec.decodeRecord(longer)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("1 trailing bytes");
    }

    @Test
    void trainingExampleIsAFlinkPojo() {
        assertThat(TypeInformation.of(TrainingExample.class)).isInstanceOf(PojoTypeInfo.class);
    }
}
