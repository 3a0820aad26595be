package io.seedflow.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.json.StrictJson;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Spec section 2: the safetensors snapshot, its deterministic encoding and the reader's refusals. */
class SafetensorsFormatTest {
    private static final String SPEC = "mlp:4x3x2:relu";

    static ParameterSet sampleParams() {
        ParameterSet p = new ParameterSet(List.of(
                new TensorSpec("layers.0.weight", new int[] {3, 4}),
                new TensorSpec("layers.0.bias", new int[] {3}),
                new TensorSpec("layers.1.weight", new int[] {2, 3}),
                new TensorSpec("layers.1.bias", new int[] {2}),
                new TensorSpec("extra.kernel", new int[] {2, 3, 5})));
        SplittableRandom rnd = new SplittableRandom(3);
        for (int t = 0; t < p.size(); t++) {
            for (int i = 0; i < p.tensor(t).length; i++) {
                p.tensor(t)[i] = (float) rnd.nextGaussian();
            }
        }
        // values whose bits a sloppy encoder would lose
        p.tensor(1)[0] = -0f;
        p.tensor(1)[1] = Float.MIN_VALUE;
        p.tensor(1)[2] = Float.intBitsToFloat(0x7fc01234); // quiet NaN with a payload
        p.tensor(3)[0] = Float.NEGATIVE_INFINITY;
        return p;
    }

    @Test
    void roundTripKeepsNamesShapesValuesAndMetadata() {
        ParameterSet p = sampleParams();
        byte[] bytes = SafetensorsFormat.encode(p, "fraud-model", 1234, SPEC);
        Snapshot s = SafetensorsFormat.decode(bytes, null);
        assertThat(s.parameters().specs()).isEqualTo(p.specs());
        for (int t = 0; t < p.size(); t++) {
            int[] expected = bits(p.tensor(t));
            assertThat(bits(s.parameters().tensor(t))).as(p.spec(t).name()).isEqualTo(expected);
        }
        assertThat(s.parameters().weightsSha256()).isEqualTo(p.weightsSha256());
        assertThat(s.modelId()).isEqualTo("fraud-model");
        assertThat(s.step()).isEqualTo(1234);
        assertThat(s.modelSpec()).isEqualTo(SPEC);
        assertThat(s.sha256()).isEqualTo(SafetensorsFormat.sha256(bytes)).hasSize(64).matches("[0-9a-f]{64}");
        assertThat(s.sizeBytes()).isEqualTo(bytes.length);
        assertThat(s.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "seedflow.format-version", "1",
                "seedflow.model-id", "fraud-model",
                "seedflow.model-spec", SPEC,
                "seedflow.step", "1234",
                "seedflow.tensor-order", "layers.0.weight,layers.0.bias,layers.1.weight,layers.1.bias,extra.kernel"));
    }

    @Test
    void canonicalOrderIsKeptEvenWhenNotAlphabetical() {
        ParameterSet p = new ParameterSet(List.of(new TensorSpec("z", new int[] {2}), new TensorSpec("a", new int[] {1})));
        p.tensor(0)[0] = 1f;
        p.tensor(1)[0] = 2f;
        Snapshot s = SafetensorsFormat.decode(SafetensorsFormat.encode(p, "m", 0, "x"), null);
        assertThat(s.parameters().names()).containsExactly("z", "a");
        assertThat(s.parameters().tensor(1)).containsExactly(2f);
    }

    @Test
    void encodingIsDeterministic() {
        byte[] a = SafetensorsFormat.encode(sampleParams(), "m", 7, SPEC);
        byte[] b = SafetensorsFormat.encode(sampleParams(), "m", 7, SPEC);
        assertThat(b).isEqualTo(a);
        Snapshot s = SafetensorsFormat.decode(a, SafetensorsFormat.sha256(a));
        assertThat(SafetensorsFormat.encode(s.parameters(), s.modelId(), s.step(), s.modelSpec())).isEqualTo(a);
        // and sensitive: a different step is different bytes
        assertThat(SafetensorsFormat.encode(sampleParams(), "m", 8, SPEC)).isNotEqualTo(a);
    }

    @Test
    void layoutIsPlainSafetensors() {
        for (String modelId : new String[] {"m", "mo", "mod", "mode", "model", "model-", "model-x", "model-xy"}) {
            ParameterSet p = sampleParams();
            byte[] bytes = SafetensorsFormat.encode(p, modelId, 0, SPEC);
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertThat((8 + n) % 8).as("8 + header length for model id '%s'", modelId).isZero();
            assertThat(n).isLessThan(bytes.length - 8);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertThat(header).startsWith("{\"__metadata__\":{\"seedflow.format-version\":\"1\"");
            String json = header.stripTrailing();
            assertThat(header.substring(json.length())).matches(" {0,7}");
            assertThat(json).endsWith("}");
            checkSafetensorsHeader(json, bytes.length - 8 - n, p);
        }
    }

    /** What the reference safetensors reader checks, on an independently parsed header. */
    @SuppressWarnings("unchecked")
    private static void checkSafetensorsHeader(String json, long dataLength, ParameterSet p) {
        Map<String, Object> h = (Map<String, Object>) StrictJson.builder().maxDepth(8).maxNumberLength(20)
                .maxStringLength(1 << 20).maxDocumentLength(1 << 20).build().parse(json);
        assertThat(h.keySet()).first().isEqualTo("__metadata__");
        Map<String, Object> meta = (Map<String, Object>) h.get("__metadata__");
        assertThat(meta.keySet()).containsExactly("seedflow.format-version", "seedflow.model-id", "seedflow.model-spec",
                "seedflow.step", "seedflow.tensor-order");
        assertThat(meta.values()).allSatisfy(v -> assertThat(v).isInstanceOf(String.class));
        assertThat(h.keySet()).hasSize(p.size() + 1);
        long offset = 0;
        int t = 0;
        for (Map.Entry<String, Object> e : h.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            assertThat(e.getKey()).isEqualTo(p.spec(t).name());
            Map<String, Object> entry = (Map<String, Object>) e.getValue();
            assertThat(entry.keySet()).containsExactlyInAnyOrder("dtype", "shape", "data_offsets");
            assertThat(entry.get("dtype")).isEqualTo("F32");
            List<JsonNumber> shape = (List<JsonNumber>) entry.get("shape");
            assertThat(shape.stream().mapToInt(d -> Integer.parseInt(d.text())).toArray()).isEqualTo(p.spec(t).shape());
            List<JsonNumber> offs = (List<JsonNumber>) entry.get("data_offsets");
            assertThat(offs).containsExactly(new JsonNumber(String.valueOf(offset)),
                    new JsonNumber(String.valueOf(offset + 4 * p.spec(t).elementCount())));
            offset = Long.parseLong(offs.get(1).text());
            t++;
        }
        assertThat(offset).isEqualTo(dataLength);
    }

    @Test
    void dataIsLittleEndianFloatsInCanonicalOrder() {
        ParameterSet p = sampleParams();
        byte[] bytes = SafetensorsFormat.encode(p, "m", 0, SPEC);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int pos = (int) (8 + buf.getLong(0));
        for (int t = 0; t < p.size(); t++) {
            for (float v : p.tensor(t)) {
                assertThat(buf.getInt(pos)).isEqualTo(Float.floatToRawIntBits(v));
                pos += 4;
            }
        }
        assertThat(pos).isEqualTo(bytes.length);
    }

    @Test
    void headerIsAlignedForNonAsciiModelIds() {
        byte[] bytes = SafetensorsFormat.encode(sampleParams(), "modèle-ü", 0, SPEC);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat((8 + n) % 8).isZero();
        assertThat(SafetensorsFormat.decode(bytes, null).modelId()).isEqualTo("modèle-ü");
    }

    @Test
    void nonAsciiAndEscapedModelIdsRoundTrip() {
        for (String id : new String[] {"modèle-ü", "quote\"back\\slash", "tab\tnew\nline", "\u0001"}) {
            byte[] bytes = SafetensorsFormat.encode(sampleParams(), id, 0, SPEC);
            assertThat(SafetensorsFormat.decode(bytes, null).modelId()).isEqualTo(id);
        }
    }

    /**
     * The header bytes for text that needs escaping (quotes, backslash, every kind of control character, DEL, line
     * separators, non-ASCII, a surrogate pair, an unpaired surrogate) are exactly those the hand-written writer that
     * Jackson replaced produced (expected header and SHA-256 recorded from it): snapshots are content-addressed.
     */
    @Test
    void headerBytesAreUnchangedForEscapedAndNonAsciiText() {
        String id = "q\"b\\s/n\nr\rt\tb\bf\f\u0001\u001f\u007f\u2028\u2029\u00e9\uD83D\uDE00\uD800x";
        ParameterSet p = new ParameterSet(List.of(new TensorSpec("w\u00e9ight\"x", new int[] {1, 2}),
                new TensorSpec("b", new int[] {1})));
        p.tensor(0)[0] = 0.5f;
        p.tensor(0)[1] = -1.25f;
        p.tensor(1)[0] = 3f;
        byte[] bytes = SafetensorsFormat.encode(p, id, 12345678901L, "mlp:2x1:relu \u00e9\u0000");
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).isEqualTo("{\"__metadata__\":{"
                + "\"seedflow.format-version\":\"1\","
                + "\"seedflow.model-id\":\"q\\\"b\\\\s/n\\nr\\rt\\tb\\u0008f\\u000c\\u0001\\u001f\u007f\u2028\u2029"
                + "\u00e9\ud83d\ude00?x\","
                + "\"seedflow.model-spec\":\"mlp:2x1:relu \u00e9\\u0000\","
                + "\"seedflow.step\":\"12345678901\","
                + "\"seedflow.tensor-order\":\"w\u00e9ight\\\"x,b\"},"
                + "\"w\u00e9ight\\\"x\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}      ");
        assertThat(bytes).hasSize(388);
        assertThat(SafetensorsFormat.sha256(bytes))
                .isEqualTo("d97b197dc9e09a1a124b9693e6be11137ef382119cf06a15eb6218e09568036b");
    }

    @Test
    void shaMismatchNamesBothHashes() {
        byte[] bytes = SafetensorsFormat.encode(sampleParams(), "m", 0, SPEC);
        String actual = SafetensorsFormat.sha256(bytes);
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> SafetensorsFormat.decode(bytes, wrong)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining(wrong).hasMessageContaining(actual);
        // hex case does not matter
        assertThat(SafetensorsFormat.decode(bytes, actual.toUpperCase()).sha256()).isEqualTo(actual);
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 3] ^= 0x10;
        assertThatThrownBy(() -> SafetensorsFormat.decode(flipped, actual)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining(actual).hasMessageContaining(SafetensorsFormat.sha256(flipped));
    }

    @Test
    void truncatedFilesAreRefused() {
        byte[] bytes = SafetensorsFormat.encode(sampleParams(), "m", 0, SPEC);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (int len : new int[] {0, 5, 8, 9, (int) n, (int) (8 + n), (int) (8 + n + 3), bytes.length - 4, bytes.length - 1}) {
            byte[] cut = Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> SafetensorsFormat.decode(cut, null)).as("first %d of %d bytes", len, bytes.length)
                    .isInstanceOf(SnapshotIntegrityException.class);
        }
        byte[] padded = Arrays.copyOf(bytes, bytes.length + 4);
        assertThatThrownBy(() -> SafetensorsFormat.decode(padded, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("after the header");
    }

    @Test
    void headerLengthOutsideTheFileIsRefused() {
        byte[] bytes = SafetensorsFormat.encode(sampleParams(), "m", 0, SPEC);
        for (long n : new long[] {bytes.length - 7, bytes.length, 1L << 40, -1L, Long.MIN_VALUE, 0, 1,
            SafetensorsFormat.MAX_HEADER + 1}) {
            byte[] b = bytes.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            assertThatThrownBy(() -> SafetensorsFormat.decode(b, null)).as("header length %d", n)
                    .isInstanceOf(SnapshotIntegrityException.class).hasMessageContaining("header length");
        }
    }

    @Test
    void nonF32DtypeIsRefused() {
        byte[] f16 = handMade("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(f16, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("F16").hasMessageContaining("'a'");
        byte[] f64 = handMade("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[16]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(f64, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("F64");
        byte[] none = handMade("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(none, null)).isInstanceOf(SnapshotIntegrityException.class);
    }

    @Test
    void offsetsThatDisagreeWithTheShapeAreRefused() {
        byte[] b = handMade("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", new byte[12]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(b, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("'a'").hasMessageContaining("16").hasMessageContaining("12");
    }

    @Test
    void overlapsHolesAndMisplacedStartsAreRefused() {
        String[] headers = {
            // overlap
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
            // the same range twice
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
            // hole
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}}",
            // not starting at 0
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
            // negative begin
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[-4,20]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}}",
        };
        for (String h : headers) {
            byte[] b = handMade(h, new byte[24]);
            assertThatThrownBy(() -> SafetensorsFormat.decode(b, null)).as(h).isInstanceOf(SnapshotIntegrityException.class);
        }
    }

    @Test
    void malformedHeadersAreRefused() {
        String[] headers = {
            "{\"a\":", "[1,2]", "\"text\"", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x",
            "{\"a\":[1]}", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0,2],\"data_offsets\":[0,8]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        };
        for (String h : headers) {
            byte[] b = handMade(h, new byte[8]);
            assertThatThrownBy(() -> SafetensorsFormat.decode(b, null)).as(h).isInstanceOf(SnapshotIntegrityException.class);
        }
    }

    @Test
    void tensorOrderMustNameExactlyTheTensors() {
        String t = "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}";
        byte[] missing = handMade("{\"__metadata__\":{\"seedflow.tensor-order\":\"a\"}," + t + "}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(missing, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("[b]");
        byte[] unknown = handMade("{\"__metadata__\":{\"seedflow.tensor-order\":\"a,b,c\"}," + t + "}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(unknown, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("'c'");
        byte[] twice = handMade("{\"__metadata__\":{\"seedflow.tensor-order\":\"a,b,a\"}," + t + "}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(twice, null)).isInstanceOf(SnapshotIntegrityException.class);
        byte[] reversed = handMade("{\"__metadata__\":{\"seedflow.tensor-order\":\"b,a\"}," + t + "}", floats(1f, 2f));
        Snapshot s = SafetensorsFormat.decode(reversed, null);
        assertThat(s.parameters().names()).containsExactly("b", "a");
        assertThat(s.parameters().tensor(0)).containsExactly(2f);
        assertThat(s.parameters().tensor(1)).containsExactly(1f);
    }

    @Test
    void formatVersionTwoIsUnsupported() {
        byte[] bytes = SafetensorsFormat.encode(sampleParams(), "m", 0, SPEC);
        byte[] v2 = replaceOnce(bytes, "\"seedflow.format-version\":\"1\"", "\"seedflow.format-version\":\"2\"");
        assertThatThrownBy(() -> SafetensorsFormat.decode(v2, null)).isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("format version 2");
    }

    @Test
    void fileFromAnotherToolIsReadInDataOrder() {
        // JSON lists "second" first, but its data comes after "first"'s; no seedflow metadata at all
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"second\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]},"
                + "\"first\":{\"data_offsets\":[0,8],\"shape\":[1,2],\"dtype\":\"F32\"}}";
        byte[] b = handMade(header, floats(1f, 2f, 3f, 4f, 5f));
        Snapshot s = SafetensorsFormat.decode(b, null);
        assertThat(s.parameters().names()).containsExactly("first", "second");
        assertThat(s.parameters().spec(0).shape()).containsExactly(1, 2);
        assertThat(s.parameters().tensor(0)).containsExactly(1f, 2f);
        assertThat(s.parameters().tensor(1)).containsExactly(3f, 4f, 5f);
        assertThat(s.step()).isZero();
        assertThat(s.modelId()).isEmpty();
        assertThat(s.metadata()).containsEntry("format", "pt");
        // and without any __metadata__, padded with spaces like other writers do
        byte[] bare = handMade("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}   ", floats(7f));
        assertThat(SafetensorsFormat.decode(bare, null).parameters().tensor(0)).containsExactly(7f);
    }

    @Test
    void hugeDeclaredTensorIsAnIntegrityError() {
        byte[] b = handMade("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}",
                new byte[16]);
        assertThatThrownBy(() -> SafetensorsFormat.decode(b, null)).isInstanceOf(SnapshotIntegrityException.class);
    }

    @Test
    void goldenSnapshotReencodesToIdenticalBytes() throws IOException {
        byte[] golden = resource("/golden/snapshot-v1.safetensors");
        String sha = new String(resource("/golden/snapshot-v1.safetensors.sha256"), StandardCharsets.US_ASCII)
                .trim().split("\\s+")[0];
        assertThat(SafetensorsFormat.sha256(golden)).isEqualTo(sha);
        Snapshot s = SafetensorsFormat.decode(golden, sha);
        assertThat(s.modelId()).isEqualTo("golden");
        assertThat(s.step()).isZero();
        assertThat(s.modelSpec()).isEqualTo(SPEC);
        assertThat(s.parameters().names()).containsExactly("layers.0.weight", "layers.0.bias", "layers.1.weight",
                "layers.1.bias");
        // the format alone: decode then encode gives the same bytes
        assertThat(SafetensorsFormat.encode(s.parameters(), s.modelId(), s.step(), s.modelSpec())).isEqualTo(golden);
        // and the weights are those of the documented initialisation
        ParameterSet init = new Mlp(MlpSpec.parse(SPEC)).initialize(5);
        assertThat(s.parameters().weightsSha256()).isEqualTo(init.weightsSha256());
        assertThat(SafetensorsFormat.encode(init, "golden", 0, SPEC)).isEqualTo(golden);
    }

    @Test
    void nonNumericStepIsRefusedNamingTheValue() {
        byte[] good = SafetensorsFormat.encode(sampleParams(), "m", 1234567, SPEC);
        for (String bad : new String[] {"abcdefg", "12e4567", "-123456", "1234.56", " 123456"}) {
            byte[] bytes = replaceOnce(good, "\"seedflow.step\":\"1234567\"", "\"seedflow.step\":\"" + bad + "\"");
            assertThatThrownBy(() -> SafetensorsFormat.decode(bytes, null)).as(bad)
                    .isInstanceOf(SnapshotIntegrityException.class)
                    .hasMessageContaining("seedflow.step must be a non-negative decimal integer")
                    .hasMessageContaining("got '" + bad + "'");
        }
        byte[] tooBig = SafetensorsFormat.encode(sampleParams(), "m", 1000000000000000000L, SPEC);
        byte[] overflow = replaceOnce(tooBig, "\"1000000000000000000\"", "\"9999999999999999999\"");
        assertThatThrownBy(() -> SafetensorsFormat.decode(overflow, null))
                .isInstanceOf(SnapshotIntegrityException.class).hasMessageContaining("'9999999999999999999'");
        assertThat(SafetensorsFormat.decode(good, null).step()).isEqualTo(1234567);
    }

    @Test
    void snapshotWhoseTensorsAreNotItsModelSpecsIsRefused() {
        MlpSpec spec = MlpSpec.parse(SPEC);
        ParameterSet canonical = new ParameterSet(spec.tensorSpecs());
        assertThat(decode(canonical, SPEC).requireTensorsOfModelSpec().parameters().specs())
                .isEqualTo(spec.tensorSpecs());

        List<TensorSpec> swapped = new java.util.ArrayList<>(spec.tensorSpecs());
        java.util.Collections.swap(swapped, 0, 1);
        assertThatThrownBy(() -> decode(new ParameterSet(swapped), SPEC).requireTensorsOfModelSpec())
                .isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("model spec " + SPEC)
                .hasMessageContaining("tensor 0 is layers.0.bias[3], expected layers.0.weight[3, 4]")
                .hasMessageNotContaining("\n");

        List<TensorSpec> renamed = new java.util.ArrayList<>(spec.tensorSpecs());
        renamed.set(2, new TensorSpec("head.weight", new int[] {2, 3}));
        assertThatThrownBy(() -> decode(new ParameterSet(renamed), SPEC).requireTensorsOfModelSpec())
                .isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("tensor 2 is head.weight[2, 3], expected layers.1.weight[2, 3]");

        assertThatThrownBy(() -> decode(sampleParams(), SPEC).requireTensorsOfModelSpec())
                .isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("tensor 4 (extra.kernel[2, 3, 5]) is not part of the model");
        List<TensorSpec> fewer = spec.tensorSpecs().subList(0, 3);
        assertThatThrownBy(() -> decode(new ParameterSet(fewer), SPEC).requireTensorsOfModelSpec())
                .isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("tensor 3 (layers.1.bias[2]) is missing");
        assertThatThrownBy(() -> decode(canonical, "mlp:4xx2:relu").requireTensorsOfModelSpec())
                .isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("seedflow.model-spec 'mlp:4xx2:relu' is not a model spec");
        // nothing declared, nothing to check (a file written by another tool)
        assertThat(decode(sampleParams(), "").requireTensorsOfModelSpec()).isNotNull();
    }

    private static Snapshot decode(ParameterSet params, String modelSpec) {
        return SafetensorsFormat.decode(SafetensorsFormat.encode(params, "m", 0, modelSpec), null);
    }

    static byte[] handMade(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(h.length).put(h).put(data).array();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static byte[] replaceOnce(byte[] bytes, String from, String to) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        int i = s.indexOf(from);
        assertThat(i).as("'%s' in the header", from).isNotNegative();
        assertThat(to).hasSameSizeAs(from);
        byte[] out = bytes.clone();
        System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, out, i, to.length());
        return out;
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SafetensorsFormatTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name + " on the test class path").isNotNull();
            return in.readAllBytes();
        }
    }
}
