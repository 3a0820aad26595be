package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.PortInUseException;
import io.seedflow.jobs.embedded.EmbeddedKafkaBroker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 point 4: the in-JVM broker on a chosen port (the demo's {@code --kafka-port}, {@code seedflow broker
 * --port}) really serves clients there, and a taken port is named with the hint given.
 */
class EmbeddedKafkaBrokerPortITCase {
    @Test
    void aChosenPortServesClients() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, null)) {
            assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + port);
            broker.createTopic("on-a-chosen-port", 1);
            String servers = "localhost:" + port; // what a client in another process is told
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                p.send(new ProducerRecord<>("on-a-chosen-port", "hello".getBytes(StandardCharsets.UTF_8))).get();
            }
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.assign(List.of(new TopicPartition("on-a-chosen-port", 0)));
                c.seekToBeginning(c.assignment());
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(got::add);
                }
            }
            assertThat(got).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("hello");
        }
    }

    @Test
    void aTakenPortIsNamedWithTheHint() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> EmbeddedKafkaBroker.start(port, null, "pass --kafka-port N"))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("Kafka port " + port + " is already in use; pass --kafka-port N");
        }
    }
}
