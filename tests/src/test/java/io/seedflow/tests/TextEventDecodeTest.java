package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.kafka.DeadLetter;
import io.seedflow.connectors.kafka.LabeledEventDecodeFunction;
import io.seedflow.connectors.kafka.RawEvent;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.core.data.RejectionReason;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The decode stage of a text model, with the real MiniLM tokenizer: texts tokenized once, each text poison dead-lettered. */
class TextEventDecodeTest {
    private static final String SPEC = "encoder:all-minilm-l6-v2:2:32";
    private static final int MAX_CHARS = 200;
    private static EmbeddedSchemaRegistry registryServer;
    private static SchemaRegistry registry;
    private static ConfluentAvroCodec<LabeledEvent> codec;

    @BeforeAll
    static void start() {
        registryServer = EmbeddedSchemaRegistry.start();
        registry = ConfluentRegistryClient.create(registryServer.clientOptions(null));
        codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
    }

    @AfterAll
    static void stop() {
        registry.close();
        registryServer.close();
    }

    @Test
    void aTextEventBecomesTheTokenIdsTheTrainingPathUses() throws Exception {
        String mail = "Subject: cheap meds now!!! Click here to claim your prize.";
        int[] expected;
        try (TextTokenizer t = TextTokenizer.miniLm()) {
            expected = t.encode(mail, 32).ids();
        }
        try (var h = harness()) {
            h.processElement(raw(5, codec.encode("texts-value", text(mail, 1))), 0);
            assertThat(values(h)).containsExactly(TrainingExample.ofTokens("spam", expected, 1, "texts", 0, 5));
            assertThat(h.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS)).isNull();
        }
    }

    @Test
    void eachTextPoisonIsDeadLetteredWithItsReason() throws Exception {
        byte[] notUtf8 = codec.encode("texts-value", text("hello world", 0));
        int at = indexOf(notUtf8, "world".getBytes(StandardCharsets.US_ASCII));
        notUtf8[at] = (byte) 0xC3; // a lead byte followed by 'o': not UTF-8
        LabeledEvent features = LabeledEvent.newBuilder(text("x", 0)).setText(null)
                .setDenseFeatures(List.of(1f, 2f)).build();
        LabeledEvent both = LabeledEvent.newBuilder(text("hello", 0)).setDenseFeatures(List.of(1f)).build();
        LabeledEvent none = LabeledEvent.newBuilder(text("x", 0)).setText(null).build();
        List<byte[]> poison = List.of(
                codec.encode("texts-value", text("", 0)),
                codec.encode("texts-value", text(" \t\n ", 0)),
                codec.encode("texts-value", text("\u0000\u0001", 0)),
                codec.encode("texts-value", text("a".repeat(MAX_CHARS + 1), 0)),
                notUtf8,
                codec.encode("texts-value", text("hello", 2)),
                codec.encode("texts-value", text("hello", -1)),
                codec.encode("texts-value", features),
                codec.encode("texts-value", both),
                codec.encode("texts-value", none));
        try (var h = harness()) {
            for (int i = 0; i < poison.size(); i++) {
                h.processElement(raw(i, poison.get(i)), 0);
            }
            h.processElement(raw(99, codec.encode("texts-value", text("a".repeat(MAX_CHARS), 1))), 0);
            assertThat(values(h)).hasSize(1).allSatisfy(e -> assertThat(e.offset).isEqualTo(99));
            List<DeadLetter> letters = new ArrayList<>();
            h.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS).forEach(r -> letters.add(r.getValue()));
            assertThat(letters).extracting(d -> d.reason).containsExactly(RejectionReason.EMPTY_TEXT,
                    RejectionReason.EMPTY_TEXT, RejectionReason.EMPTY_TEXT, RejectionReason.TEXT_TOO_LONG,
                    RejectionReason.INVALID_TEXT, RejectionReason.LABEL_OUT_OF_RANGE,
                    RejectionReason.LABEL_OUT_OF_RANGE, RejectionReason.WRONG_PAYLOAD, RejectionReason.WRONG_PAYLOAD,
                    RejectionReason.EMPTY_TEXT);
            assertThat(letters.get(3).message).contains(MAX_CHARS + 1 + " chars").contains("seedflow.job.max-text-chars");
            assertThat(letters.get(4).message).contains("not valid UTF-8");
            assertThat(letters.get(4).original).isEqualTo(notUtf8);
            assertThat(letters.get(7).message).contains("2 dense features");
        }
    }

    @Test
    void aModelWithoutAVocabularyIsRefusedWhenTheJobIsBuilt() {
        assertThatThrownBy(() -> new LabeledEventDecodeFunction(registryServer.clientOptions(null),
                "encoder:bert-L2-H32-A4-F64-V100-P16:3:16", MAX_CHARS, null))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("has no tokenizer");
    }

    private static LabeledEvent text(String text, int label) {
        return LabeledEvent.newBuilder().setEventId("e").setEventTime(Instant.EPOCH).setModelId("spam")
                .setLabel(label).setText(text).build();
    }

    private static OneInputStreamOperatorTestHarness<RawEvent, TrainingExample> harness() throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new LabeledEventDecodeFunction(
                registryServer.clientOptions(null), SPEC, MAX_CHARS, null)));
        h.open();
        return h;
    }

    private static List<TrainingExample> values(OneInputStreamOperatorTestHarness<RawEvent, TrainingExample> h) {
        List<TrainingExample> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((TrainingExample) r.getValue());
            }
        }
        return out;
    }

    private static RawEvent raw(long offset, byte[] value) {
        return new RawEvent("texts", 0, offset, value);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
