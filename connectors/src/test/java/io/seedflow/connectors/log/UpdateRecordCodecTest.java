package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.log.UpdateRecord;
import io.seedflow.schemas.ModelUpdate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
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
     * Pins the v1 wire encoding: the Avro binary body of a fixed record (what follows the 5-byte registry header on
     * the update topic) must stay byte-identical, and the checked-in bytes must decode to the record.
     */
    @Test
    void avroBinaryEncodingMatchesGoldenFixture() throws IOException {
        byte[] golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/model-update-v1.hex")) {
            assertThat(in).as("golden fixture /golden/model-update-v1.hex").isNotNull();
            golden = HexFormat.of().parseHex(new String(in.readAllBytes()).strip());
        }
        assertThat(HexFormat.of().formatHex(encode(UpdateRecordCodec.toAvro(UpdateRecordFixtures.golden()))))
                .isEqualTo(HexFormat.of().formatHex(golden));
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(golden, null);
        ModelUpdate decoded = new SpecificDatumReader<>(ModelUpdate.class).read(null, dec);
        assertThat(UpdateRecordCodec.fromAvro(decoded)).isEqualTo(UpdateRecordFixtures.golden());
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
}
