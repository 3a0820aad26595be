package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.log.HeadDelta;
import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.schemas.ModelUpdate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * Format version 3 on the wire (docs/update-log-spec.md §6.4): the optional headDelta field, its golden bytes, the
 * weights they produce, backward compatibility with the v1 and v2 writer schemas, and its size.
 */
class UpdateRecordFormatThreeTest {

    static String resource(String name) throws IOException {
        try (InputStream in = UpdateRecordFormatThreeTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden fixture /golden/" + name).isNotNull();
            return new String(in.readAllBytes()).strip();
        }
    }

    static ModelUpdate decode(byte[] body, Schema writer) throws IOException {
        return new SpecificDatumReader<ModelUpdate>(writer, ModelUpdate.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(body, null));
    }

    /**
     * Pins the v3 wire encoding: the checked-in Avro binary body decodes to the fixture record field for field
     * (head delta values compared bit for bit), today's encoder writes exactly those bytes, and applying the decoded
     * record to fixed weights gives the checked-in weights SHA-256.
     */
    @Test
    void goldenFormatThreeBytesDecodeToTheFixtureAndApplyToTheRecordedWeights() throws IOException {
        byte[] golden = HexFormat.of().parseHex(resource("model-update-v3.hex"));
        UpdateRecord expected = UpdateRecordFixtures.goldenV3();
        assertThat(HexFormat.of().formatHex(UpdateRecordFormatThreeTest.encode(expected)))
                .isEqualTo(HexFormat.of().formatHex(golden));
        UpdateRecord r = UpdateRecordCodec.fromAvro(decode(golden, ModelUpdate.getClassSchema()));
        assertThat(r).isEqualTo(expected);
        assertThat(r.formatVersion()).isEqualTo(3);
        assertThat(r.modelId()).isEqualTo("elastic-head");
        assertThat(r.step()).isEqualTo(8);
        assertThat(r.decayFactor()).isEqualTo(0.99f);
        assertThat(r.perturbations()).singleElement().satisfies(t -> {
            assertThat(t.seed()).isEqualTo(0x0FEDCBA987654321L);
            assertThat(t.coefficient()).isEqualTo(2.5e-2f);
        });
        assertThat(r.mask().tensors()).containsExactly(TensorMask.magnitude(0, 0.2f), TensorMask.random(1, 77L, 0.5f));
        assertThat(r.subspace().tensors()).containsExactly(0);
        assertThat(r.subspace().windowSeeds()).containsExactly(11L, -12L, 13L);
        assertThat(r.subspace().removed()).containsExactly(-4e-3f);
        HeadDelta h = r.headDelta();
        assertThat(h.tensors()).containsExactly(2, 3);
        assertThat(Float.floatToRawIntBits(h.value(0, 2))).isEqualTo(0x80000000); // -0 survives the wire
        assertThat(h.value(0, 3)).isEqualTo(1e-40f);
        assertThat(h.length(0)).isEqualTo(6);
        assertThat(h.length(1)).isEqualTo(2);

        ParameterSet p = UpdateRecordFixtures.goldenWeights();
        ParameterSet before = p.copy();
        UpdateApplier.apply(p, r);
        assertThat(p.weightsSha256()).isEqualTo(resource("model-update-v3.weights.sha256"));
        for (int i = 0; i < h.size(); i++) { // the head is frozen by the mask: exactly theta + delta, no decay
            float[] now = p.tensor(h.tensor(i));
            float[] was = before.tensor(h.tensor(i));
            for (int e = 0; e < now.length; e++) {
                assertThat(Float.floatToRawIntBits(now[e])).isEqualTo(Float.floatToRawIntBits(was[e] + h.value(i, e)));
            }
        }
    }

    /** Confluent BACKWARD: a consumer on today's schema reads records written with the v1 and the v2 schemas. */
    @Test
    void todaysSchemaReadsEveryEarlierWriterSchema() throws IOException {
        for (String old : List.of("model-update-v1.avsc", "model-update-v2.avsc")) {
            Schema writer = new Schema.Parser().parse(resource(old));
            assertThat(writer.getField("headDelta")).as(old).isNull();
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(ModelUpdate.getClassSchema(), writer)
                    .getType()).as(old).isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
        // a format-2 record written with the v2 schema decodes with no head delta
        UpdateRecord v2 = UpdateRecordFixtures.goldenV3().withHeadDelta(null);
        assertThat(v2.formatVersion()).isEqualTo(2);
        Schema v2Schema = new Schema.Parser().parse(resource("model-update-v2.avsc"));
        byte[] body = encodeWith(UpdateRecordCodec.toAvro(v2), v2Schema);
        assertThat(UpdateRecordCodec.fromAvro(decode(body, v2Schema))).isEqualTo(v2);
    }

    @Test
    void valueBytesThatAreNotWholeFloatsAreRefused() {
        ModelUpdate m = UpdateRecordCodec.toAvro(UpdateRecordFixtures.goldenV3());
        m.getHeadDelta().getTensors().get(1).setValues(ByteBuffer.wrap(new byte[7]));
        assertThatThrownBy(() -> UpdateRecordCodec.fromAvro(m)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 8: head delta of tensor 3 has 7 value bytes; must be a multiple of 4");
    }

    /**
     * Size of a record with the exact delta of a 384x2 + 2 classifier head (770 floats) against the same record
     * without it, the numbers of docs/update-log-spec.md §6.4, measured on an ElasticZO-shaped record (one term, one
     * lineage range, a mask that trains the body): 4 bytes per value, per listed tensor its index and its byte length
     * as varints (1 + 2 bytes for the weight's 3,072, 1 + 1 for the bias's 8), and 2 bytes of framing (the array's
     * block count and end). The union branch adds nothing: the null branch it replaces was one byte too.
     */
    @Test
    void headDeltaCostsFourBytesPerValuePlusItsEntriesAndTwoOfFraming() {
        UpdateRecord r = UpdateRecordFixtures.golden();
        UpdateRecord body = new UpdateRecord(2, r.modelId(), r.baseSnapshotId(), r.step(), UpdateStatus.APPLIED,
                r.decayFactor(), r.perturbations().subList(0, 1), r.epsilon(), r.learningRate(), r.batchSize(),
                r.lineage().subList(0, 1), r.trainerTimeMillis(),
                new UpdateMask(List.of(TensorMask.dense(0), TensorMask.dense(1))), null);
        UpdateRecord withHead = body.withHeadDelta(new HeadDelta(new int[] {2, 3},
                new float[][] {new float[384 * 2], new float[2]}));
        int without = UpdateRecordCodec.avroBodySize(body);
        int with = UpdateRecordCodec.avroBodySize(withHead);
        int section = UpdateRecordCodec.avroBodySize(UpdateRecordCodec.toAvro(withHead).getHeadDelta());
        System.out.printf("update record body: %d bytes without head delta, %d bytes with a 770-float head delta "
                + "(+5 bytes registry header each); the HeadDelta record alone %d bytes%n", without, with, section);
        assertThat(section).isEqualTo(4 * 770 + (1 + 2) + (1 + 1) + 2);
        assertThat(with - without).as("the union branch replaces null's byte").isEqualTo(section).isEqualTo(3087);
        assertThat(without).isEqualTo(173);
        assertThat(with).isEqualTo(3260);
        assertThat(UpdateRecordCodec.fromAvro(UpdateRecordCodec.toAvro(withHead))).isEqualTo(withHead);
    }

    static byte[] encode(UpdateRecord r) throws IOException {
        return UpdateRecordCodecTest.encode(UpdateRecordCodec.toAvro(r));
    }

    /** The body as a producer still on an older schema writes it (fields matched by position, appended ones dropped). */
    static byte[] encodeWith(ModelUpdate m, Schema writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<ModelUpdate>(writer).write(m, enc);
        enc.flush();
        return out.toByteArray();
    }
}
