package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.UnknownLogContextException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.schemas.CompactLineageRange;
import io.seedflow.schemas.CompactModelUpdate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * Format version 4 (docs/update-log-spec.md §4.1): compact records that name a log context, its golden bytes, the
 * weights they produce, the refusals, and the size of a dense one-term record against format 1.
 */
class UpdateRecordFormatFourTest {

    /**
     * Pins the v4 wire encoding: today's encoder writes exactly the checked-in bodies (one hex line per record; the
     * first carries the context inline, the others name it), they decode to the fixture records as the compact
     * encoding keeps them, and applying them in order to fixed weights gives the checked-in weights SHA-256.
     */
    @Test
    void goldenFormatFourBytesDecodeToTheFixtureAndApplyToTheRecordedWeights() throws IOException {
        List<UpdateRecord> log = UpdateRecordFixtures.goldenV4Log();
        CompactUpdateEncoder encoder = new CompactUpdateEncoder();
        List<String> written = new ArrayList<>();
        for (UpdateRecord r : log) {
            written.add(HexFormat.of().formatHex(encode(encoder.encode(r))));
        }
        assertThat(written).as("v4 bodies, one per line").containsExactlyElementsOf(
                UpdateRecordFormatThreeTest.resource("model-update-v4.hex").lines().toList());

        CompactUpdateDecoder decoder = new CompactUpdateDecoder();
        ParameterSet p = UpdateRecordFixtures.goldenWeights();
        for (int i = 0; i < log.size(); i++) {
            UpdateRecord r = decoder.decode(decode(HexFormat.of().parseHex(written.get(i))));
            assertThat(r).isEqualTo(UpdateRecordFixtures.compactView(log.get(i)));
            UpdateApplier.apply(p, r);
            if (i == 0) { // the same content as the v3 golden record, so the same weights
                assertThat(p.weightsSha256())
                        .isEqualTo(UpdateRecordFormatThreeTest.resource("model-update-v3.weights.sha256"));
            }
        }
        assertThat(decoder.contextCount()).isEqualTo(1);
        assertThat(written.get(0)).as("the first record carries its context").contains(hex("elastic-head"));
        assertThat(written.get(1)).as("the others do not").doesNotContain(hex("elastic-head"));
        assertThat(p.weightsSha256()).isEqualTo(UpdateRecordFormatThreeTest.resource("model-update-v4.weights.sha256"));
    }

    /**
     * The aim of issue 12: a dense q = 1 record with its lineage in at most 40 bytes on the wire (5-byte registry
     * header and 1-byte union branch included). Measured on the record of a 100,000-step offline run at its last
     * step (the shape docs/benchmarks.md §1 measured for format 1): the context (model id, 64-character base id,
     * source name) went with the segment's first record.
     */
    @Test
    void denseOneTermRecordWithLineageIsAtMostFortyBytesOnTheWire() {
        String base = "0e2e5d90ad27b8796df79247e3e8d9222b020c346a6fc28341f00e14ef66c9e2";
        long start = 1_763_856_000_000L;
        UpdateRecord first = dense(base, 1, 0, start);
        UpdateRecord last = dense(base, 99_999, 99_998L * 64, start + 110_000);
        CompactUpdateEncoder encoder = new CompactUpdateEncoder();
        int firstCompact = UpdateRecordCodec.avroBodySize(encoder.encode(first));
        int compact = UpdateRecordCodec.avroBodySize(encoder.encode(last));
        int full = UpdateRecordCodec.avroBodySize(last);
        int framing = 5 + 1; // Confluent header (magic byte, schema id) + union branch of the topic's value schema
        System.out.printf("dense q=1 record with one lineage range, step 99,999: format 1 %d bytes body (%d on the "
                + "wire), format 4 %d bytes body (%d on the wire); the segment's first record with its context "
                + "inline: %d bytes body%n", full, full + framing, compact, compact + framing, firstCompact);
        assertThat(compact + framing).isLessThanOrEqualTo(40);
        assertThat(full).isGreaterThan(4 * compact);
        // the spec's numbers (§4.1): 34 and 179 bytes of body, 156 with the context; decay +9, each further term +12
        // while terms stays under 64 bytes, then +13 (its length varint takes a second byte)
        assertThat(List.of(compact, full, firstCompact)).containsExactly(34, 179, 156);
        UpdateRecord decayed = new UpdateRecord(1, last.modelId(), base, last.step(), UpdateStatus.APPLIED, 0.999f,
                last.perturbations(), 0f, 0f, 0, last.lineage(), last.trainerTimeMillis());
        assertThat(UpdateRecordCodec.avroBodySize(encoder.encode(decayed)) - compact).isEqualTo(9);
        List<Integer> perTerm = new ArrayList<>();
        int before = compact;
        for (int q = 2; q <= 6; q++) {
            List<PerturbationTerm> terms = java.util.Collections.nCopies(q, last.perturbations().get(0));
            UpdateRecord more = new UpdateRecord(1, last.modelId(), base, last.step(), UpdateStatus.APPLIED, 1f, terms,
                    0f, 0f, 0, last.lineage(), last.trainerTimeMillis());
            int size = UpdateRecordCodec.avroBodySize(encoder.encode(more));
            perTerm.add(size - before);
            before = size;
        }
        assertThat(perTerm).as("bytes added by terms 2 to 6").containsExactly(12, 12, 12, 12, 13);
    }

    private static UpdateRecord dense(String base, long step, long from, long time) {
        return new UpdateRecord(1, "fashion-mnist-mlp", base, step, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(0x7A3F_9C21_55E0_B4D1L + step, 3.1e-5f, 0.062f, 0.4117f, 0.4116f)),
                1e-3f, 5e-4f, 64, List.of(new Lineage("offline:fashion-mnist-train", 0, from, from + 64)), time);
    }

    @Test
    void aRecordWhoseContextWasNeverDefinedIsRefusedWithItsStepAndContextId() {
        List<UpdateRecord> log = UpdateRecordFixtures.goldenV4Log();
        CompactUpdateEncoder encoder = new CompactUpdateEncoder();
        int id = UpdateRecordCodec.contextId(encoder.encode(log.get(0)));
        CompactModelUpdate second = encoder.encode(log.get(1));
        assertThatThrownBy(() -> new CompactUpdateDecoder().decode(second))
                .isInstanceOfSatisfying(UnknownLogContextException.class, e -> {
                    assertThat(e.step()).isEqualTo(9);
                    assertThat(e.contextId()).isEqualTo(id);
                })
                .hasMessageContaining("step 9 names log context " + UnknownLogContextException.hex(id));
    }

    @Test
    void malformedCompactRecordsAreRefusedNamingTheValue() {
        List<UpdateRecord> log = UpdateRecordFixtures.goldenV4Log();
        CompactModelUpdate first = new CompactUpdateEncoder().encode(log.get(0));

        CompactModelUpdate cut = CompactModelUpdate.newBuilder(first).setTerms(ByteBuffer.wrap(new byte[13])).build();
        assertThatThrownBy(() -> new CompactUpdateDecoder().decode(cut))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 8: compact terms field has 13 bytes; must be a multiple of 12");

        CompactModelUpdate badSource = CompactModelUpdate.newBuilder(first)
                .setLineage(List.of(new CompactLineageRange(1, 2, 500L, 16L))).build();
        assertThatThrownBy(() -> new CompactUpdateDecoder().decode(badSource))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 8: lineage source index 1 is outside the log context's 1 sources");

        CompactModelUpdate negative = CompactModelUpdate.newBuilder(first)
                .setLineage(List.of(new CompactLineageRange(0, 2, 500L, -1L))).build();
        assertThatThrownBy(() -> new CompactUpdateDecoder().decode(negative))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("from offset 500 with count -1");

        CompactModelUpdate beforeZero = CompactModelUpdate.newBuilder(first)
                .setLineage(List.of(new CompactLineageRange(0, 2, -600L, 16L))).build();
        assertThatThrownBy(() -> new CompactUpdateDecoder().decode(beforeZero))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 8: lineage range must have fromOffset >= 0")
                .hasMessageContaining("got [-600, -584)");

        CompactModelUpdate forged = CompactModelUpdate.newBuilder(first).build();
        forged.getExtension().getContext().setModelId("another-model");
        assertThatThrownBy(() -> new CompactUpdateDecoder().decode(forged))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 8: the record names log context "
                        + UnknownLogContextException.hex(UpdateRecordCodec.contextId(first)))
                .hasMessageContaining("but the context it carries has id");
    }

    @Test
    void aRecordWhoseVersionDoesNotMatchItsSectionsIsNotEncoded() {
        UpdateRecord v3 = UpdateRecordFixtures.goldenV3();
        UpdateRecord wrong = new UpdateRecord(1, v3.modelId(), v3.baseSnapshotId(), v3.step(), v3.status(),
                v3.decayFactor(), v3.perturbations(), v3.epsilon(), v3.learningRate(), v3.batchSize(), v3.lineage(),
                v3.trainerTimeMillis(), v3.mask(), v3.subspace(), v3.headDelta());
        assertThatThrownBy(() -> new CompactUpdateEncoder().encode(wrong))
                .isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 8: format version 1 does not match its sections (version 3)");
    }

    /** A new base snapshot or a new lineage source starts a new context, carried by that record. */
    @Test
    void aNewBaseOrSourceDefinesANewContextInline() {
        UpdateRecord a = UpdateRecordFixtures.goldenV4Log().get(1);
        UpdateRecord newSource = new UpdateRecord(1, a.modelId(), a.baseSnapshotId(), 10, UpdateStatus.APPLIED, 1f,
                a.perturbations(), 0f, 0f, 0, List.of(new Lineage("other-topic", 0, 0, 4)), a.trainerTimeMillis());
        UpdateRecord newBase = new UpdateRecord(1, a.modelId(), "12".repeat(32), 11, UpdateStatus.APPLIED, 1f,
                a.perturbations(), 0f, 0f, 0, List.of(new Lineage("other-topic", 0, 4, 8)), a.trainerTimeMillis());
        CompactUpdateEncoder encoder = new CompactUpdateEncoder();
        CompactUpdateDecoder decoder = new CompactUpdateDecoder();
        List<Boolean> inline = new ArrayList<>();
        for (UpdateRecord r : List.of(a, newSource, newBase)) {
            CompactModelUpdate m = encoder.encode(r);
            inline.add(m.getExtension() != null && m.getExtension().getContext() != null);
            assertThat(decoder.decode(m)).isEqualTo(UpdateRecordFixtures.compactView(r));
        }
        assertThat(inline).containsExactly(true, true, true);
        assertThat(decoder.contextCount()).isEqualTo(3);
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static byte[] encode(CompactModelUpdate m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(CompactModelUpdate.class).write(m, enc);
        enc.flush();
        return out.toByteArray();
    }

    static CompactModelUpdate decode(byte[] body) throws IOException {
        return new SpecificDatumReader<>(CompactModelUpdate.class).read(null,
                DecoderFactory.get().binaryDecoder(body, null));
    }
}
