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
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceCorrection;
import org.junit.jupiter.api.Test;

class TrainerStateCodecTest {
    static final UpdateRecord RECORD = new UpdateRecord(1, "m", "ab12", 7, UpdateStatus.APPLIED, 0.999f,
            List.of(new PerturbationTerm(-5L, 1.5e-4f, 0.3f, 2.25f, 2.24f),
                    new PerturbationTerm(Long.MAX_VALUE, -0f, Float.MIN_VALUE, 1f, 1f)),
            1e-3f, 0.05f, 5, List.of(new Lineage("events", 0, 10, 13), new Lineage("events", 1, 4, 6)), 123L);
    static final UpdateRecord SPARSE = new UpdateRecord(2, "m", "ab12", 8, UpdateStatus.APPLIED, 1f,
            List.of(new PerturbationTerm(9L, 2e-4f, 0.4f, 2.2f, 2.1f)), 1e-3f, 0.05f, 5,
            List.of(new Lineage("events", 0, 13, 18)), 124L,
            new UpdateMask(List.of(TensorMask.magnitude(0, 0.125f), TensorMask.random(2, -3L, 0.25f))),
            new SubspaceCorrection(List.of(2, 3), List.of(1L, -2L, 3L), List.of(1e-4f, -0f, 3e-4f), List.of(5e-6f)));

    @Test
    void recordAndPointerRoundTripExactly() {
        byte[] bytes = TrainerStateCodec.encodeRecord(RECORD);
        assertThat(bytes[0]).isEqualTo((byte) TrainerStateCodec.RECORD_LAYOUT);
        UpdateRecord back = TrainerStateCodec.decodeRecord(bytes);
        assertThat(back).isEqualTo(RECORD);
        assertThat(TrainerStateCodec.decodeRecord(TrainerStateCodec.encodeRecord(SPARSE))).isEqualTo(SPARSE);
        assertThat(Float.floatToRawIntBits(back.perturbations().get(1).coefficient()))
                .isEqualTo(Float.floatToRawIntBits(-0f));
        SnapshotPointer p = new SnapshotPointer("ab12", "file:/tmp/x/ab12.safetensors", 4, 1234, "cd34", 1_700_000_000_000L);
        assertThat(TrainerStateCodec.decodePointer(TrainerStateCodec.encodePointer(p))).isEqualTo(p);
    }

    @Test
    void unknownLayoutVersionAndTrailingBytesAreRefused() {
        byte[] bytes = TrainerStateCodec.encodeRecord(RECORD);
        bytes[0] = 3;
        assertThatThrownBy(() -> TrainerStateCodec.decodeRecord(bytes))
                .isInstanceOf(UnsupportedFormatVersionException.class);
        byte[] longer = Arrays.copyOf(TrainerStateCodec.encodeRecord(RECORD), bytes.length + 1);
        assertThatThrownBy(() -> TrainerStateCodec.decodeRecord(longer)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("1 trailing bytes");
    }

    @Test
    void layoutOneRecordsFromOlderCheckpointsStillDecode() {
        byte[] v2 = TrainerStateCodec.encodeRecord(RECORD);
        byte[] v1 = Arrays.copyOf(v2, v2.length - 2); // layout 1 = layout 2 without the two presence bytes
        v1[0] = 1;
        assertThat(TrainerStateCodec.decodeRecord(v1)).isEqualTo(RECORD);
    }

    @Test
    void trainingExampleIsAFlinkPojo() {
        assertThat(TypeInformation.of(TrainingExample.class)).isInstanceOf(PojoTypeInfo.class);
    }
}
