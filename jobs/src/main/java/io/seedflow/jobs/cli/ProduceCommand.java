package io.seedflow.jobs.cli;

import io.seedflow.core.settings.JobSettings;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.SeedFlowException;
import io.seedflow.jobs.embedded.DemoSettings;
import io.seedflow.jobs.embedded.JsonLinesEvents;
import io.seedflow.jobs.embedded.LabeledEventProducer;
import io.seedflow.jobs.embedded.LabeledEventSource;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code seedflow produce}: sends labeled events to a Kafka topic in the schema registry's wire format, the encoding
 * the demo's producer uses ({@link LabeledEventProducer}), from a bundled data set split (shuffled with a fixed seed)
 * or a JSON-lines file ({@link JsonLinesEvents}); prints progress and a final count of the events the broker
 * acknowledged.
 */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Send labeled events (Avro, Confluent wire format) to a Kafka topic, from a bundled data set or "
                + "a JSON-lines file.",
            "A file has one JSON object per line: {\"features\":[...],\"label\":3} plus optional \"modelId\", "
                + "\"eventId\", \"eventTime\" (epoch ms), \"attributes\" (object of strings); \"text\" instead of "
                + "\"features\" for text models. A bad line refuses the whole file, naming its line number; nothing "
                + "is sent."})
public final class ProduceCommand implements Callable<Integer> {
    @Mixin
    KafkaRegistryOptions kafka = new KafkaRegistryOptions();

    @Option(names = "--topic", defaultValue = JobSettings.DEFAULT_EVENTS_TOPIC,
            description = "Topic to send to (default ${DEFAULT-VALUE}, the one `seedflow run` reads).")
    String topic;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    /** Exactly one of a data set or a file. */
    static final class Input {
        @Option(names = "--dataset", paramLabel = "NAME",
                description = "Bundled data set: fashion-mnist-train (60,000) or fashion-mnist-test (10,000).")
        String dataset;

        @Option(names = "--file", paramLabel = "F.jsonl", description = "JSON-lines file of events.")
        Path file;
    }

    @Option(names = "--limit", description = "--dataset: events to send (default: the whole split once; more "
            + "cycles it in new shuffles).")
    Long limit;

    @Option(names = "--rate", defaultValue = "0",
            description = "Events per second, 0 = as fast as the broker takes them (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--model-id", defaultValue = DemoSettings.MODEL_ID,
            description = "Model the events are for (the record key); a file's line may name its own "
                    + "(default ${DEFAULT-VALUE}).")
    String modelId;

    @Option(names = "--poison-every", defaultValue = "0",
            description = "--dataset: one bad record after every N events, to exercise the dead-letter path; 0 = none "
                    + "(default ${DEFAULT-VALUE}).")
    long poisonEvery;

    @Option(names = "--data-dir", description = "Folder with the Fashion-MNIST IDX files (default data/fashion-mnist).")
    Path dataDir;

    @Option(names = "--progress-interval", defaultValue = "2",
            description = "Seconds between progress lines (default ${DEFAULT-VALUE}).")
    int progressInterval;

    @Override
    public Integer call() throws Exception {
        if (progressInterval < 1) {
            throw new IllegalArgumentException("--progress-interval: expected at least 1 second, got "
                    + progressInterval);
        }
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("--model-id: expected a non-empty id, got '" + modelId + "'");
        }
        LabeledEventSource source = input.file != null ? fileSource() : datasetSource();
        LabeledEventProducer.Settings settings = new LabeledEventProducer.Settings(kafka.bootstrapServers(),
                kafka.registry(), topic, source, rate, poisonEvery, "seedflow-produce");
        System.out.printf("produce: %s -> topic '%s' on %s at %s events/s (registry %s)%n", source.describe(), topic,
                kafka.bootstrapServers(), rate == 0 ? "max" : String.format("%,.0f", rate),
                settings.registry().url());
        long start = System.nanoTime();
        LabeledEventProducer producer = LabeledEventProducer.start(settings);
        CountDownLatch finished = new CountDownLatch(1);
        Thread onCtrlC = new Thread(() -> {
            try {
                producer.close(); // flushes what is in flight
                finished.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the main thread reports the error
            }
        }, "seedflow-produce-shutdown");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        try {
            while (!producer.isDone()) {
                producer.awaitDone(progressInterval, TimeUnit.SECONDS);
                if (!producer.isDone()) {
                    System.out.printf("produce: %,d events sent%s%n", producer.produced(), poison(producer));
                }
            }
            closeAndReport(producer);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down (Ctrl-C)
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("produce: done, %,d events sent to topic '%s'%s in %.1f s (%,.0f/s)%n", producer.produced(),
                topic, poison(producer), seconds, producer.produced() / Math.max(seconds, 1e-3));
        return 0;
    }

    /** Stops the producer; a send or registry failure becomes one line with the count that got through. */
    private void closeAndReport(LabeledEventProducer producer) throws InterruptedException {
        try {
            producer.close();
        } catch (IllegalStateException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new SeedFlowException("produce: stopped after " + String.format("%,d", producer.produced())
                    + " events to topic '" + topic + "' on " + kafka.bootstrapServers() + ": " + cause.getMessage(),
                    e);
        }
    }

    private static String poison(LabeledEventProducer p) {
        return p.poisonSent() == 0 ? "" : String.format(" (+%,d poison records)", p.poisonSent());
    }

    private LabeledEventSource fileSource() throws Exception {
        if (limit != null) {
            throw new IllegalArgumentException("--limit " + limit + ": only with --dataset; a --file is sent whole");
        }
        if (poisonEvery != 0) {
            throw new IllegalArgumentException("--poison-every " + poisonEvery + ": only with --dataset (a file does "
                    + "not say its class count); put bad records in the file instead");
        }
        return JsonLinesEvents.read(input.file, modelId);
    }

    private LabeledEventSource datasetSource() {
        boolean train = input.dataset.equals("fashion-mnist-train");
        if (!train && !input.dataset.equals("fashion-mnist-test")) {
            throw new IllegalArgumentException("--dataset: unknown data set '" + input.dataset
                    + "'; expected fashion-mnist-train or fashion-mnist-test");
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit: expected at least 1 event, got " + limit);
        }
        Path dir = dataDir != null ? dataDir : FashionMnist.defaultDir();
        LabeledDataset data = train ? FashionMnist.train(dir) : FashionMnist.test(dir);
        return LabeledEventSource.shuffled(data, modelId, limit != null ? limit : data.count(), DemoSettings.SEED);
    }
}
