package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.RegistryAvroDeserializer;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.tests.InProcessCli.Run;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 point 4: {@code seedflow produce} puts the right number of decodable {@link LabeledEvent}s on a real
 * in-JVM Kafka topic, in the registry's wire format, from a JSON-lines file and from a bundled data set; a file with
 * a bad line is refused whole, naming the line, and sends nothing.
 */
class ProduceCommandITCase extends KafkaRegistryTestBase {
    @TempDir
    Path tmp;

    private Run produce(String topic, String... args) {
        List<String> all = new ArrayList<>(List.of("produce", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", registryServer.url(), "--topic", topic));
        all.addAll(List.of(args));
        return InProcessCli.run(all.toArray(String[]::new));
    }

    @Test
    void aJsonLinesFileLandsLineForLineInOrder() throws Exception {
        Path file = Files.writeString(tmp.resolve("events.jsonl"), String.join("\n",
                "{\"features\":[0.5,-1.25,3],\"label\":2}",
                "",
                "{\"features\":[1e-3,0,0],\"label\":0,\"modelId\":\"other-model\",\"eventId\":\"e-9\","
                        + "\"eventTime\":1767225600000,\"attributes\":{\"source\":\"review\"}}",
                "{\"text\":\"free money now\",\"label\":1}") + "\n");
        Run r = produce("file-events", "--file", file.toString(), "--model-id", "m1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("produce: done, 3 events sent to topic 'file-events'");

        List<ConsumerRecord<String, LabeledEvent>> got = consume("file-events", 3);
        assertThat(got).extracting(ConsumerRecord::key).containsExactly("m1", "other-model", "m1");
        LabeledEvent first = got.get(0).value();
        assertThat(first.getDenseFeatures()).containsExactly(0.5f, -1.25f, 3f);
        assertThat(first.getLabel()).isEqualTo(2);
        assertThat(first.getEventId()).isEqualTo("events.jsonl:1");
        assertThat(first.getModelId()).isEqualTo("m1");
        LabeledEvent second = got.get(1).value();
        assertThat(second.getEventId()).isEqualTo("e-9");
        assertThat(second.getEventTime()).isEqualTo(Instant.ofEpochMilli(1767225600000L));
        assertThat(second.getAttributes()).containsExactly(Map.entry("source", "review"));
        assertThat(got.get(2).value().getText()).isEqualTo("free money now");
        assertThat(got.get(2).value().getDenseFeatures()).isNull();
    }

    @Test
    void aBadLineRefusesTheWholeFileNamingTheLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("bad.jsonl"), "{\"features\":[1,2],\"label\":1}\n"
                + "{\"features\":[1,2],\"label\":1}\n{\"features\":[1,2],\"lable\":1}\n");
        Run r = produce("bad-file-events", "--file", file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").startsWith("seedflow: IllegalArgumentException: --file ")
                .contains("bad.jsonl line 3: unknown field 'lable'").contains("nothing was sent");
        Run malformed = produce("bad-file-events", "--file", Files.writeString(tmp.resolve("m.jsonl"),
                "{\"features\":[1,2],\"label\":1,}\n").toString());
        assertThat(malformed.code()).isEqualTo(1);
        assertThat(malformed.err()).contains("m.jsonl line 1: malformed JSON at position");
        Run nan = produce("bad-file-events", "--file", Files.writeString(tmp.resolve("n.jsonl"),
                "{\"features\":[1,NaN],\"label\":1}\n").toString());
        assertThat(nan.err()).contains("n.jsonl line 1: features[1]: expected a finite float32, got NaN");
        // refused before the producer started: it never registered the topic's schema
        assertThat(registry.subjects()).doesNotContain("bad-file-events-value");
    }

    @Test
    void aDataSetSplitLandsLimitEventsOfTheRightShape() throws Exception {
        Run r = produce("dataset-events", "--dataset", "fashion-mnist-test", "--limit", "300", "--rate", "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("fashion-mnist-t10k (300 of 10,000 examples, shuffled)")
                .contains("produce: done, 300 events sent to topic 'dataset-events'");
        List<ConsumerRecord<String, LabeledEvent>> got = consume("dataset-events", 300);
        assertThat(got).hasSize(300).allSatisfy(rec -> {
            assertThat(rec.key()).isEqualTo("fashion-mnist-mlp");
            assertThat(rec.value().getDenseFeatures()).hasSize(FashionMnist.FEATURES);
            assertThat(rec.value().getLabel()).isBetween(0, FashionMnist.CLASSES - 1);
        });
        assertThat(got.stream().map(rec -> rec.value().getEventId()).distinct()).hasSize(300);
    }

    private KafkaConsumer<String, LabeledEvent> consumer() {
        return new KafkaConsumer<>(kafka.readCommittedConsumerProperties(), new StringDeserializer(),
                RegistryAvroDeserializer.forClass(LabeledEvent.class, registry));
    }

    /** Every record of partition 0 of {@code topic}; fails unless exactly {@code expected} arrive. */
    private List<ConsumerRecord<String, LabeledEvent>> consume(String topic, int expected) {
        List<ConsumerRecord<String, LabeledEvent>> out = new ArrayList<>();
        try (KafkaConsumer<String, LabeledEvent> c = consumer()) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(500)).forEach(out::add); // nothing beyond the expected count
        }
        assertThat(out).hasSize(expected);
        return out;
    }
}
