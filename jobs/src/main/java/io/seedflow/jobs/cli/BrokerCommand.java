package io.seedflow.jobs.cli;

import io.seedflow.core.settings.JobSettings;
import io.seedflow.jobs.embedded.EmbeddedKafkaBroker;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedflow broker}: the demo's in-JVM KRaft Kafka broker ({@link EmbeddedKafkaBroker}) as a process of its own,
 * for development, with SeedFlow's topics created, until SIGTERM or Ctrl-C. Every start formats a new cluster in a
 * temporary directory that is deleted on exit: the records do not survive a restart (a persistent broker is a real
 * Kafka installation).
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Run a development Kafka broker (single-node KRaft, in this JVM) until stopped.",
            "Each start is a new, empty cluster; its logs live in a temporary directory deleted on exit."})
public final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092",
            description = "Client port on localhost; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--topics", split = ",",
            defaultValue = JobSettings.DEFAULT_EVENTS_TOPIC + "," + JobSettings.DEFAULT_UPDATES_TOPIC + ","
                    + JobSettings.DEFAULT_DEAD_LETTER_TOPIC,
            description = "Topics to create, comma-separated (default ${DEFAULT-VALUE}); others are created on first "
                    + "use with one partition.")
    List<String> topics;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions of each created topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port: expected 0 (any free port) or 1..65535, got " + port);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions: expected at least 1, got " + partitions);
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, null,
                "pass --port with a free port, or --port 0 for any free one");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("broker: stopping");
            try {
                broker.close();
            } catch (Exception e) {
                System.err.println("broker: did not stop cleanly: " + e);
            }
            stopped.countDown();
        }, "seedflow-broker-shutdown"));
        List<String> created = topics.stream().filter(t -> !t.isBlank()).toList();
        if (!created.isEmpty()) {
            broker.createTopics(created, partitions);
        }
        System.out.printf("broker: Kafka on %s, topics %s (%d partition(s) each); stop with Ctrl-C or SIGTERM%n",
                broker.bootstrapServers(), created, partitions);
        System.out.printf("broker: clients pass --bootstrap-servers %s%n", broker.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
