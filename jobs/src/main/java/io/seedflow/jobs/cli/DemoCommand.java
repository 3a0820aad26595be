package io.seedflow.jobs.cli;

import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.jobs.embedded.DemoDataset;
import io.seedflow.jobs.embedded.DemoSettings;
import io.seedflow.jobs.embedded.FashionMnistDemoDataset;
import io.seedflow.jobs.embedded.SpamAssassinDemoDataset;
import io.seedflow.jobs.embedded.LocalFlinkCluster;
import io.seedflow.jobs.embedded.StreamingDemo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/**
 * {@code seedflow demo}: the embedded default. Streaming (the default): Kafka, the schema registry, Flink with its
 * dashboard, a Fashion-MNIST producer, the training job and a replica, all in this JVM ({@link StreamingDemo}).
 * {@code --offline}: ZO-SGD on Fashion-MNIST without Kafka or Flink, then a bit-exact replay of its update log
 * ({@link OfflineDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = SettingFlags.Transformer.class,
        description = {"Embedded default: Kafka + schema registry + Flink (dashboard on http://localhost:8081) training "
                + "an MLP on streamed Fashion-MNIST with ZO-SGD, and a replica following the update log.",
            "With --dataset spam-assassin: the SpamAssassin mails in time order as text events, fine-tuning the "
                + "pretrained MiniLM encoder; prequential F1 on the status line and a learning curve at the end.",
            "With --offline: ZO-SGD on Fashion-MNIST in this process, then a bit-exact replay of its update log."})
public final class DemoCommand implements Callable<Integer>, SettingFlags.Holder {
    private static final String FASHION = DemoDataset.FASHION_MNIST;
    private static final String SPAM = DemoDataset.SPAM_ASSASSIN;

    @Option(names = "--offline", description = "Run the offline demo (no Kafka, no Flink) instead.")
    boolean offline;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = FASHION,
            description = "Streaming: what to stream, " + FASHION + " (images, an MLP) or " + SPAM + " (mails in time "
                    + "order, the MiniLM encoder) (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--rate", description = "Streaming: training events per second, 0 = as fast as possible "
            + "(default " + FashionMnistDemoDataset.RATE + "; " + SpamAssassinDemoDataset.RATE + " for " + SPAM + ").")
    Double rate;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Streaming: how long to run, e.g. 90s or 5m; 0 = until Ctrl-C (default " + FashionMnistDemoDataset.MINUTES + "m; "
                    + SpamAssassinDemoDataset.MINUTES + "m for " + SPAM
                    + ", which also ends when every mail was trained on).")
    Duration duration;

    @Option(names = "--events", paramLabel = "N", defaultValue = "0",
            description = "Streaming: valid events to send, 0 = the data set's default (" + FASHION + ": without end; "
                    + SPAM + ": every mail once) (default ${DEFAULT-VALUE}).")
    long events;

    /** The trainer settings the streaming demo takes as flags; their defaults are the data set's recipe. */
    static final SettingFlags FLAGS = SettingFlags.of(List.of(TrainerSettings.MODEL_SPEC, TrainerSettings.BATCH_SIZE,
            TrainerSettings.LEARNING_RATE, TrainerSettings.HEAD_LEARNING_RATE))
            .defaultNote(TrainerSettings.MODEL_SPEC, TrainerSettings.MLP_MODEL + "; " + Defaults.TEXT_MODEL + " for "
                    + SPAM + " (a shorter text: " + Defaults.TEXT_MODEL + ":32)")
            .defaultNote(TrainerSettings.BATCH_SIZE, TrainerSettings.BATCH_SIZE.defaultText() + "; "
                    + Defaults.TEXT_BATCH + " for " + SPAM)
            .defaultNote(TrainerSettings.LEARNING_RATE, TrainerSettings.LEARNING_RATE.defaultText() + "; "
                    + Defaults.TEXT_ZO_LR + " for " + SPAM)
            .defaultNote(TrainerSettings.HEAD_LEARNING_RATE, TrainerSettings.HEAD_LEARNING_RATE.defaultText() + "; "
                    + Defaults.TEXT_HEAD_LR + " for " + SPAM);

    @Override
    public SettingFlags settingFlags() {
        return FLAGS;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--web-port", defaultValue = "" + LocalFlinkCluster.DEFAULT_WEB_PORT,
            description = "Streaming: Flink dashboard port on localhost, 0 = any free port (default ${DEFAULT-VALUE}).")
    int webPort;

    @Option(names = "--kafka-port", defaultValue = "" + DemoSettings.DEFAULT_KAFKA_PORT,
            description = "Streaming: the Kafka broker's port on localhost, 0 = any free port "
                    + "(default ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "" + DemoSettings.DEFAULT_REGISTRY_PORT,
            description = "Streaming: the schema registry's port on 127.0.0.1, 0 = any free port "
                    + "(default ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--run-dir", defaultValue = "runs/streaming-demo",
            description = "Streaming: checkpoints, snapshots, Kafka logs and the learning curve; must be empty or an "
                    + "earlier demo's, which is cleared; locked while the demo runs, so a second demo is refused "
                    + "(default ${DEFAULT-VALUE}).")
    Path runDir;

    @Option(names = "--poison-every", description = "Streaming: one bad record after every N events, to show the "
            + "dead-letter path; 0 = none (default " + FashionMnistDemoDataset.POISON_EVERY + "; " + SpamAssassinDemoDataset.POISON_EVERY
            + " for " + SPAM + ").")
    Long poisonEvery;

    @Option(names = "--steps", defaultValue = "20000", description = "Offline: training steps (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Offline: output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data-dir", description = "Folder with the data set's files (default data/fashion-mnist, "
            + "data/spam-assassin).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        if (offline) {
            return OfflineDemo.run(steps, out, dataDir != null ? dataDir : FashionMnist.defaultDir());
        }
        return runStreaming(settings());
    }

    /** The streaming demo's settings: the data set's recipe, changed by the flags given. */
    DemoSettings settings() {
        DemoDataset data = DemoDataset.named(dataset);
        SettingFlags.Values v = FLAGS.read(spec);
        DemoSettings.Builder b = DemoSettings.builder(data).eventLimit(events)
                .ports(webPort, kafkaPort, registryPort).runDir(runDir);
        v.given(TrainerSettings.MODEL_SPEC).ifPresent(b::modelSpec);
        v.given(TrainerSettings.BATCH_SIZE).ifPresent(b::batchSize);
        v.given(TrainerSettings.LEARNING_RATE).ifPresent(b::learningRate);
        v.given(TrainerSettings.HEAD_LEARNING_RATE).ifPresent(b::headLearningRate);
        if (rate != null) {
            b.eventsPerSecond(rate);
        }
        if (duration != null) {
            b.duration(duration);
        }
        if (poisonEvery != null) {
            b.poisonEvery(poisonEvery);
        }
        if (dataDir != null) {
            b.dataDir(dataDir);
        }
        return b.build();
    }

    private int runStreaming(DemoSettings settings) throws Exception {
        Duration d = settings.duration();
        System.out.println("seedflow demo: starting Kafka, the schema registry, Flink, the producer and a replica in "
                + "this JVM" + (d.isZero() ? " (Ctrl-C stops)" : " for " + d.toSeconds() + " s (Ctrl-C "
                + "stops earlier)"));
        StreamingDemo demo = StreamingDemo.start(settings, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread onCtrlC = new Thread(() -> {
            demo.requestStop();
            try {
                // let the main thread stop everything (and draw the learning curve) before the JVM exits
                stopped.await(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "seedflow-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        int exit = 0;
        try {
            demo.run();
        } finally {
            System.out.println("stopping ...");
            try {
                demo.close();
                System.out.println(demo.summary());
                System.out.println("  stopped cleanly: job cancelled; replica, producer, registry and broker closed");
            } catch (Exception e) {
                System.out.println(demo.summary());
                System.out.println("  did not stop cleanly: " + e.getMessage());
                exit = 5;
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down (Ctrl-C)
            }
        }
        return exit;
    }

    /** How long Ctrl-C waits for a clean stop: the email demo scores its mails with the frozen model first. */
    private static final Duration STOP_WAIT = Duration.ofMinutes(5);
}
