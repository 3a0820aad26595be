package io.seedflow.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.HeadDelta;
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

    static final UpdateRecord HYBRID = SPARSE.withHeadDelta(new HeadDelta(new int[] {4, 5},
            new float[][] {{1e-3f, -0f, Float.MIN_VALUE}, {-2.5f}}));

    @Test
    void aHybridRecordKeepsItsHeadDeltaBitForBit() {
        UpdateRecord back = TrainerStateCodec.decodeRecord(TrainerStateCodec.encodeRecord(HYBRID));
        assertThat(back.headDelta().tensors()).containsExactly(4, 5);
        assertThat(Float.floatToRawIntBits(back.headDelta().values()[0][1])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(back.headDelta().values()[0]).containsExactly(1e-3f, -0f, Float.MIN_VALUE);
        assertThat(back.headDelta().values()[1]).containsExactly(-2.5f);
        assertThat(back).isEqualTo(HYBRID);
    }

    @Test
    void layoutTwoRecordsFromOlderCheckpointsStillDecode() {
        byte[] v3 = TrainerStateCodec.encodeRecord(SPARSE);
        byte[] v2 = Arrays.copyOf(v3, v3.length - 1); // layout 2 = layout 3 without the head-delta presence byte
        v2[0] = 2;
        assertThat(TrainerStateCodec.decodeRecord(v2)).isEqualTo(SPARSE);
    }

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
        bytes[0] = (byte) (TrainerStateCodec.RECORD_LAYOUT + 1);
        assertThatThrownBy(() -> TrainerStateCodec.decodeRecord(bytes))
                .isInstanceOf(UnsupportedFormatVersionException.class);
        byte[] longer = Arrays.copyOf(TrainerStateCodec.encodeRecord(RECORD), bytes.length + 1);
        assertThatThrownBy(() -> TrainerStateCodec.decodeRecord(longer)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("1 trailing bytes");
    }

    @Test
    void layoutOneRecordsFromOlderCheckpointsStillDecode() {
        byte[] v3 = TrainerStateCodec.encodeRecord(RECORD);
        byte[] v1 = Arrays.copyOf(v3, v3.length - 3); // layout 1 = layout 3 without the three presence bytes
        v1[0] = 1;
        assertThat(TrainerStateCodec.decodeRecord(v1)).isEqualTo(RECORD);
    }

    @Test
    void trainingExampleIsAFlinkPojo() {
        assertThat(TypeInformation.of(TrainingExample.class)).isInstanceOf(PojoTypeInfo.class);
    }
}
