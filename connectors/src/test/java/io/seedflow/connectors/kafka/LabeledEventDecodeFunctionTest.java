package io.seedflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.connectors.registry.SchemaRegistryException;
import io.seedflow.core.data.RejectionReason;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.schemas.LabeledEvent;
import java.net.ServerSocket;
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

/** Decode and validate: each bad-record kind dead-lettered with its reason; an unreachable registry fails the task. */
class LabeledEventDecodeFunctionTest {
    private static final String TOPIC = "events";
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
    void goodEventBecomesATrainingExampleWithItsOffset() throws Exception {
        try (var harness = harness(registryServer.clientOptions(null))) {
            harness.processElement(raw(7, codec.encode("events-value", event(1, 4))), 0);
            List<TrainingExample> out = values(harness);
            assertThat(out).containsExactly(new TrainingExample("m", new float[] {0, 1, 2, 3}, 1, TOPIC, 0, 7));
            assertThat(harness.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS)).isNull();
        }
    }

    @Test
    void eachKindOfBadRecordIsDeadLetteredWithItsReasonAndOriginalBytes() throws Exception {
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);
        byte[] unknownId = codec.encode("events-value", event(1, 4));
        unknownId[1] = 0x7f; // schema id 0x7f______: never issued
        byte[] wrongLength = codec.encode("events-value", event(1, 3));
        byte[] badLabel = codec.encode("events-value", event(5, 4));
        LabeledEvent nan = event(0, 4);
        nan.getDenseFeatures().set(2, Float.POSITIVE_INFINITY);
        byte[] nonFinite = codec.encode("events-value", nan);
        try (var harness = harness(registryServer.clientOptions(null))) {
            long offset = 0;
            for (byte[] value : List.of(garbage, unknownId, wrongLength, badLabel, nonFinite)) {
                harness.processElement(raw(offset++, value), 0);
            }
            harness.processElement(raw(offset, null), 0);
            assertThat(values(harness)).isEmpty();
            List<DeadLetter> letters = new ArrayList<>();
            harness.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS).forEach(r -> letters.add(r.getValue()));
            assertThat(letters).extracting(d -> d.reason).containsExactly(RejectionReason.UNDECODABLE,
                    RejectionReason.UNKNOWN_SCHEMA_ID, RejectionReason.WRONG_FEATURE_LENGTH,
                    RejectionReason.LABEL_OUT_OF_RANGE, RejectionReason.NON_FINITE_FEATURE,
                    RejectionReason.UNDECODABLE);
            assertThat(letters).extracting(d -> d.offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
            assertThat(letters.get(0).original).isEqualTo(garbage);
            assertThat(letters.get(2).message).isEqualTo("expected 4 features, got 3");
            assertThat(letters.get(3).message).isEqualTo("label 5 is outside [0, 3)");
        }
    }

    @Test
    void aTextEventReachingADenseModelIsDeadLetteredAsTheWrongPayload() throws Exception {
        LabeledEvent text = LabeledEvent.newBuilder().setEventId("t").setEventTime(Instant.EPOCH).setModelId("m")
                .setLabel(1).setText("hello").build();
        try (var harness = harness(registryServer.clientOptions(null))) {
            harness.processElement(raw(3, codec.encode("events-value", text)), 0);
            assertThat(values(harness)).isEmpty();
            assertThat(harness.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS))
                    .extracting(r -> r.getValue().reason).containsExactly(RejectionReason.WRONG_PAYLOAD);
        }
    }

    /** A registry that cannot be reached is not the record's fault: the task must fail (and Flink retry), not drop it. */
    @Test
    void unreachableRegistryFailsTheTaskInsteadOfDeadLettering() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RegistryClientOptions down = RegistryClientOptions.builder().url("http://127.0.0.1:" + closedPort)
                .requestTimeoutMs(2_000).build();
        try (var harness = harness(down)) {
            assertThatThrownBy(() -> harness.processElement(raw(0, codec.encode("events-value", event(1, 4))), 0))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("127.0.0.1:" + closedPort);
            assertThat(harness.getSideOutput(LabeledEventDecodeFunction.DEAD_LETTERS)).isNull();
        }
    }

    @Test
    void deadLetterRecordCarriesReasonKeyOriginalValueAndSourceHeaders() {
        DeadLetter letter = new DeadLetter(RejectionReason.NON_FINITE_FEATURE, "feature 2 is NaN",
                raw(42, new byte[] {1, 2, 3}));
        var record = new DeadLetterSerializationSchema("dlq").serialize(letter, null, 5L);
        assertThat(record.topic()).isEqualTo("dlq");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("NON_FINITE_FEATURE");
        assertThat(record.value()).containsExactly(1, 2, 3);
        assertThat(header(record, DeadLetterSerializationSchema.REASON)).isEqualTo("NON_FINITE_FEATURE");
        assertThat(header(record, DeadLetterSerializationSchema.MESSAGE)).isEqualTo("feature 2 is NaN");
        assertThat(header(record, DeadLetterSerializationSchema.SOURCE_TOPIC)).isEqualTo(TOPIC);
        assertThat(header(record, DeadLetterSerializationSchema.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(record, DeadLetterSerializationSchema.SOURCE_OFFSET)).isEqualTo("42");
    }

    @Test
    void transactionTimeoutStaysBelowTheBrokerMaximum() {
        // above the broker's transaction.max.timeout.ms (15 min) the producer fails at init and the job restarts forever
        assertThat(SeedflowKafka.TRANSACTION_TIMEOUT.toMillis()).isEqualTo(600_000L).isLessThanOrEqualTo(900_000L);
    }

    private static String header(org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    private static OneInputStreamOperatorTestHarness<RawEvent, TrainingExample> harness(RegistryClientOptions options)
            throws Exception {
        var harness = new OneInputStreamOperatorTestHarness<>(
                new ProcessOperator<>(new LabeledEventDecodeFunction(options, "mlp:4x3:relu",
                        JobSettings.MAX_TEXT_CHARS.defaultValue().orElseThrow(), null)));
        harness.open();
        return harness;
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
        return new RawEvent(TOPIC, 0, offset, value);
    }

    private static LabeledEvent event(int label, int features) {
        List<Float> x = new ArrayList<>();
        for (int i = 0; i < features; i++) {
            x.add((float) i);
        }
        return LabeledEvent.newBuilder().setEventId("e").setEventTime(Instant.EPOCH).setModelId("m").setLabel(label)
                .setDenseFeatures(x).build();
    }
}
