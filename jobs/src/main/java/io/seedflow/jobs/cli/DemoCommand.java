package io.seedflow.jobs.cli;

import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.jobs.embedded.DemoSettings;
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
            "With --offline: ZO-SGD on Fashion-MNIST in this process, then a bit-exact replay of its update log."})
public final class DemoCommand implements Callable<Integer>, SettingFlags.Holder {
    @Option(names = "--offline", description = "Run the offline demo (no Kafka, no Flink) instead.")
    boolean offline;

    @Option(names = "--rate", defaultValue = "" + DemoSettings.DEFAULT_RATE,
            description = "Streaming: training events per second, 0 = as fast as possible (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", defaultValue = "3m", converter = DurationConverter.class,
            description = "Streaming: how long to run, e.g. 90s or 5m; 0 = until Ctrl-C (default ${DEFAULT-VALUE}).")
    Duration duration;

    /** The trainer settings the streaming demo takes as flags. */
    static final SettingFlags FLAGS = SettingFlags.of(List.of(TrainerSettings.BATCH_SIZE,
            TrainerSettings.LEARNING_RATE));

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
            description = "Streaming: checkpoints, snapshots and Kafka logs; must be empty or an earlier demo's, "
                    + "which is cleared; locked while the demo runs, so a second demo is refused "
                    + "(default ${DEFAULT-VALUE}).")
    Path runDir;

    @Option(names = "--poison-every", defaultValue = "" + DemoSettings.DEFAULT_POISON_EVERY,
            description = "Streaming: one bad record after every N events, to show the dead-letter path; 0 = none "
                    + "(default ${DEFAULT-VALUE}).")
    long poisonEvery;

    @Option(names = "--steps", defaultValue = "20000", description = "Offline: training steps (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Offline: output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data-dir", description = "Folder with the Fashion-MNIST IDX files (default data/fashion-mnist).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Path data = dataDir != null ? dataDir : FashionMnist.defaultDir();
        return offline ? OfflineDemo.run(steps, out, data) : runStreaming(data);
    }

    private int runStreaming(Path data) throws Exception {
        SettingFlags.Values v = FLAGS.read(spec);
        DemoSettings settings = new DemoSettings(rate, duration, v.get(TrainerSettings.BATCH_SIZE),
                v.get(TrainerSettings.LEARNING_RATE), webPort, kafkaPort,
                registryPort, runDir,
                poisonEvery, DemoSettings.DEFAULT_HOLDOUT_SIZE, DemoSettings.DEFAULT_CHECKPOINT_INTERVAL,
                DemoSettings.DEFAULT_REPORT_INTERVAL, data);
        System.out.println("seedflow demo: starting Kafka, the schema registry, Flink, the producer and a replica in "
                + "this JVM" + (duration.isZero() ? " (Ctrl-C stops)" : " for " + duration.toSeconds() + " s (Ctrl-C "
                + "stops earlier)"));
        StreamingDemo demo = StreamingDemo.start(settings, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread onCtrlC = new Thread(() -> {
            demo.requestStop();
            try {
                stopped.await(60, TimeUnit.SECONDS); // let the main thread stop everything before the JVM exits
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
}
