package io.seedflow.jobs.embedded;

import io.seedflow.core.error.PortInUseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker (combined broker and controller) inside this JVM, from
 * {@code kafka-test-common-runtime}'s {@code KafkaClusterTestKit}: no Docker, no separate process, starts in about
 * 2 s. It backs the embedded demo ({@code seedflow demo}) and the integration tests. Internal topics are sized for
 * one node so that consumer groups and transactions work.
 *
 * <p>The client listener is on {@code localhost} and the given port (0 = an ephemeral port; read it back from
 * {@link #bootstrapServers()}). Logs go to a temporary directory deleted on {@link #close()}, or to a given log
 * directory, which must be empty or absent and is kept after close for inspection.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    /** The listener clients use when a fixed port is asked for. */
    private static final String CLIENT_LISTENER = "CLIENT";
    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster, String bootstrapServers) {
        this.cluster = cluster;
        this.bootstrapServers = bootstrapServers;
    }

    /** A broker on an ephemeral port with temporary logs. */
    public static EmbeddedKafkaBroker start() throws Exception {
        return start(0, null);
    }

    /**
     * Formats and starts a broker and waits until it accepts clients.
     *
     * @param port the client port on localhost, 0 for an ephemeral one
     * @param logDir where the broker keeps its logs (kept after close), or {@code null} for a temporary directory
     *     (deleted on close)
     */
    public static EmbeddedKafkaBroker start(int port, Path logDir) throws Exception {
        return start(port, logDir, "choose another port, or 0 for an ephemeral one");
    }

    /**
     * As {@link #start(int, Path)}, with {@code portHint} saying how the user chooses another port when {@code port}
     * is taken (e.g. "pass --kafka-port N").
     *
     * @throws PortInUseException if {@code port} is taken
     */
    public static EmbeddedKafkaBroker start(int port, Path logDir, String portHint) throws Exception {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("Kafka port: expected 0 (ephemeral) or 1..65535, got " + port);
        }
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1);
        if (logDir != null) {
            requireEmptyOrAbsent(logDir);
            nodes.setBaseDirectory(logDir);
        }
        TestKitNodes built = nodes.build();
        KafkaClusterTestKit.Builder cluster = new KafkaClusterTestKit.Builder(built)
                .setDeleteOnClose(logDir == null)
                // one node: internal topics cannot have more replicas than that
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                // fewer internal partitions and no rebalance delay: faster first transaction and first group join
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.num.partitions", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0");
        if (port != 0) {
            // The test kit serves its own listeners from sockets it binds in advance on ephemeral ports, whatever
            // port 'listeners' names for them; a third listener of another name is bound by Kafka itself, on the
            // port asked for. Clients use that one; the test kit's stay for the controller and inter-broker traffic.
            String broker = built.brokerListenerName().value();
            String controller = built.controllerListenerName().value();
            cluster.setConfigProp("listeners", broker + "://localhost:0," + controller + "://localhost:0,"
                    + CLIENT_LISTENER + "://localhost:" + port);
            cluster.setConfigProp("listener.security.protocol.map", broker + ":"
                    + built.brokerListenerProtocol().name() + "," + controller + ":"
                    + built.controllerListenerProtocol().name() + "," + CLIENT_LISTENER + ":PLAINTEXT");
        }
        KafkaClusterTestKit kit = cluster.build();
        try {
            formatQuietly(kit);
            kit.startup();
            kit.waitForReadyBrokers();
        } catch (Exception | Error e) {
            kit.close();
            if (port != 0 && hasCause(e, java.net.BindException.class)) {
                throw new PortInUseException("Kafka", port, portHint, e);
            }
            throw e;
        }
        return new EmbeddedKafkaBroker(kit, port == 0 ? kit.bootstrapServers() : "localhost:" + port);
    }

    /** {@code host:port} of the client listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates {@code topic} with {@code partitions} partitions and replication factor 1, and waits for it. */
    public void createTopic(String topic, int partitions) throws Exception {
        createTopics(List.of(topic), partitions);
    }

    /** Creates every topic in {@code topics} with {@code partitions} partitions each, and waits for them. */
    public void createTopics(List<String> topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(topics.stream().map(t -> new NewTopic(t, partitions, (short) 1)).toList())
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Producer settings for a transactional (hence idempotent, acks=all) producer; serializers are passed in. */
    public Properties transactionalProducerProperties(String transactionalId) {
        Properties p = producerProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }

    /** Producer settings for a plain producer; serializers are passed in. */
    public Properties producerProperties() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** Consumer settings that see only committed transactional records, from the earliest offset, no group. */
    public Properties readCommittedConsumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker{" + bootstrapServers() + "}";
    }

    /**
     * Formats the storage. Kafka's formatter prints its bootstrap metadata to {@code System.out}, which would open
     * the demo's terminal output with two lines of internals; they are caught here and logged at debug level. Only
     * called while the broker starts, before the demo's own threads print anything.
     */
    private static void formatQuietly(KafkaClusterTestKit kit) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        synchronized (System.class) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                kit.format();
            } finally {
                System.setOut(stdout);
            }
        }
        LOG.debug("Kafka storage formatted: {}", captured.toString(StandardCharsets.UTF_8).trim());
    }

    private static void requireEmptyOrAbsent(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("Kafka log dir " + dir + " is a file; expected a directory");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("Kafka log dir " + dir + " is not empty; the embedded broker "
                        + "formats a new cluster on every start, so give it an empty or absent directory");
            }
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
