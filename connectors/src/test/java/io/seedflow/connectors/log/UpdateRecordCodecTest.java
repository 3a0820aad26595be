package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.schemas.ModelUpdate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.subspace.SubspaceCorrection;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class UpdateRecordCodecTest {
    @Test
    void roundTripKeepsEveryField() {
        UpdateRecord r = UpdateRecordFixtures.golden();
        assertThat(UpdateRecordCodec.fromAvro(UpdateRecordCodec.toAvro(r))).isEqualTo(r);
        UpdateRecord s = UpdateRecordFixtures.skipped(9);
        assertThat(UpdateRecordCodec.fromAvro(UpdateRecordCodec.toAvro(s))).isEqualTo(s);
    }

    /**
     * Pins the v1 wire encoding: the checked-in Avro binary body of a fixed record (what follows the 5-byte registry
     * header on the update topic), written with the format-1 schema, must still decode to the record through Avro
     * schema resolution (writer = the v1 schema, reader = today's), which is what a consumer does with the schema id
     * of an old record; and today's encoding of that dense record is the v1 bytes followed by the null branches of
     * the optional fields added since (mask and subspace of format 2, headDelta of format 3).
     */
    @Test
    void avroBinaryEncodingMatchesGoldenFixture() throws IOException {
        byte[] golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/model-update-v1.hex")) {
            assertThat(in).as("golden fixture /golden/model-update-v1.hex").isNotNull();
            golden = HexFormat.of().parseHex(new String(in.readAllBytes()).strip());
        }
        Schema v1;
        try (InputStream in = getClass().getResourceAsStream("/golden/model-update-v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        assertThat(HexFormat.of().formatHex(encode(UpdateRecordCodec.toAvro(UpdateRecordFixtures.golden()))))
                .isEqualTo(HexFormat.of().formatHex(golden) + "000000");
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(golden, null);
        ModelUpdate decoded = new SpecificDatumReader<ModelUpdate>(v1, ModelUpdate.getClassSchema()).read(null, dec);
        assertThat(UpdateRecordCodec.fromAvro(decoded)).isEqualTo(UpdateRecordFixtures.golden());
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(ModelUpdate.getClassSchema(), v1).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void formatTwoSectionsRoundTrip() {
        UpdateRecord r = UpdateRecordFixtures.golden();
        UpdateRecord v2 = new UpdateRecord(2, r.modelId(), r.baseSnapshotId(), r.step(), r.status(), r.decayFactor(),
                r.perturbations().subList(0, 1), r.epsilon(), r.learningRate(), r.batchSize(), r.lineage(),
                r.trainerTimeMillis(), new UpdateMask(List.of(TensorMask.magnitude(0, 0.03f),
                        TensorMask.random(2, -7L, 0.2f))),
                new SubspaceCorrection(List.of(2, 3), List.of(5L, -6L), List.of(1e-4f, -0f), List.of(3e-7f)));
        assertThat(UpdateRecordCodec.fromAvro(UpdateRecordCodec.toAvro(v2))).isEqualTo(v2);
        assertThat(UpdateRecordCodec.avroBodySize(v2)).isGreaterThan(UpdateRecordCodec.avroBodySize(r) - 30);
    }

    static byte[] encode(ModelUpdate m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ModelUpdate.class).write(m, enc);
        enc.flush();
        return out.toByteArray();
    }

    @Test
    void goldenRecordIsSmall() throws IOException {
        // two perturbation terms and two lineage ranges; the 64-char snapshot id dominates
        assertThat(encode(UpdateRecordCodec.toAvro(UpdateRecordFixtures.golden())).length).isLessThan(200);
    }

    /** Spec §4: offsets are never negative and a range does not end before it starts; such a record is refused. */
    @Test
    void aLineageRangeWithANegativeOrBackwardOffsetIsRefusedNamingTheValue() {
        ModelUpdate negative = UpdateRecordCodec.toAvro(UpdateRecordFixtures.golden());
        negative.getLineage().get(1).setFromOffset(-600L);
        assertThatThrownBy(() -> UpdateRecordCodec.fromAvro(negative))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 42: lineage range must have fromOffset >= 0")
                .hasMessageContaining("got [-600, 109)").hasMessageContaining("partition 3");
        ModelUpdate backward = UpdateRecordCodec.toAvro(UpdateRecordFixtures.golden());
        backward.getLineage().get(0).setUntilOffset(999L);
        assertThatThrownBy(() -> UpdateRecordCodec.fromAvro(backward))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 42: lineage range must have untilOffset >= fromOffset, got [1000, 999)");
    }
}
