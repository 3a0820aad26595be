package io.seedflow.jobs.cli;

import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.operators.ZoTrainerOptions;
import org.apache.flink.configuration.Configuration;
import io.seedflow.jobs.bench.StreamingBenchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code seedflow bench-streaming}: the streaming figures of docs/benchmarks.md, printed and written as CSV. */
@Command(name = "bench-streaming", mixinStandardHelpOptions = true,
        description = "Benchmark the embedded streaming pipeline: throughput vs offline, freshness, checkpoint size, "
                + "bytes per record.")
public final class BenchStreamingCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = Defaults.MODEL, description = "Model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--batch", description = "Batch size (default 64; " + Defaults.TEXT_BATCH + " for an encoder).")
    Integer batch;

    @Option(names = "--events", description = "Pre-produced events for throughput (default 480,000: the steady-state "
            + "window must outlast the JIT compilation of Flink's and Kafka's code paths, which 60,000 events, about one "
            + "second of it, did not; " + TEXT_EVENTS + " mails for an encoder, cycling over the corpus).")
    Integer events;

    @Option(names = "--rate", description = "Event rate for freshness (default 2,000/s; " + TEXT_RATE + "/s for an "
            + "encoder, below what its trainer takes).")
    Double rate;

    @Option(names = "--freshness-seconds", defaultValue = "30", description = "Freshness run length (default ${DEFAULT-VALUE}).")
    long freshnessSeconds;

    @Option(names = "--checkpoint-interval", defaultValue = "1s", converter = DurationConverter.class, description = "Checkpoint interval (default ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(names = "--checkpoint-steps", defaultValue = "10000", description = "Steps before measuring checkpoint size (default ${DEFAULT-VALUE}).")
    long checkpointSteps;

    @Option(names = "--checkpoint-batch", defaultValue = "8", description = "Batch size of the checkpoint-size runs (default ${DEFAULT-VALUE}).")
    int checkpointBatch;

    @Option(names = "--checkpoint-models", split = ",", defaultValue = "mlp:784x64x10:relu,mlp:784x1024x10:relu",
            description = "Models whose checkpoint sizes are compared (default ${DEFAULT-VALUE}).")
    List<String> checkpointModels;

    @Option(names = "--parts", split = ",", description = "Which measurements to run: throughput, freshness, "
            + "checkpoint (default all three; throughput,freshness for an encoder, whose events are texts), and signing "
            + "(on request only: the freshness run unsigned and signed, docs/update-log-spec.md §10).")
    java.util.Set<String> parts;

    @Option(names = "--data-dir", description = "Fashion-MNIST folder (default data/fashion-mnist), or for an encoder the "
            + "SpamAssassin corpus (default data/spam-assassin).")
    Path dataDir;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A trainer setting by its key (repeatable) on top "
            + "of the measured recipe, e.g. --conf seedflow.trainer.prequential-window=0.")
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

    private static final int TEXT_EVENTS = 1_600;
    private static final int TEXT_RATE = 8;

    @Option(names = "--out", defaultValue = "bench/results", description = "Where the CSV goes (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        ModelSpec spec = ModelSpecs.parse(model);
        boolean text = spec.inputKind() == InputKind.TOKENS;
        java.util.Set<String> parts = this.parts != null ? this.parts
                : text ? java.util.Set.of("throughput", "freshness") : java.util.Set.of("throughput", "freshness",
                        "checkpoint");
        if (text && parts.contains("checkpoint")) {
            throw new InvalidConfigurationException("--parts", parts, "throughput and freshness for an encoder (the "
                    + "checkpoint part compares MLP widths on Fashion-MNIST; run it with an MLP --model)");
        }
        // the measured recipes: the MLP at a constant 1e-3 (as the figures in docs/benchmarks.md §3 were taken),
        // the encoder as the text study's hybrid (exact head, ZO body)
        Configuration recipe = new Configuration();
        recipe.set(ZoTrainerOptions.LEARNING_RATE, text ? Defaults.TEXT_ZO_LR : 1e-3);
        if (text) {
            recipe.set(ZoTrainerOptions.HEAD_LEARNING_RATE, Defaults.TEXT_HEAD_LR);
        }
        TrainerConfOption.apply(conf, recipe);
        Path work = Files.createTempDirectory("seedflow-bench-streaming");
        StreamingBenchmark.Settings settings = new StreamingBenchmark.Settings(model,
                batch != null ? batch : text ? Defaults.TEXT_BATCH : 64,
                events != null ? events : text ? TEXT_EVENTS : 480_000, rate != null ? rate : text ? TEXT_RATE : 2000,
                Duration.ofSeconds(freshnessSeconds), checkpointInterval,
                checkpointSteps, checkpointBatch, checkpointModels, work, parts, recipe);
        System.out.println("bench-streaming: " + settings);
        StreamingBenchmark bench = text
                ? StreamingBenchmark.ofTexts(settings, SpamAssassinCorpus.read(dataDir != null ? dataDir
                        : SpamAssassinCorpus.defaultDir()).emails(), spec.inputWidth())
                : new StreamingBenchmark(settings, FashionMnist.train(dataDir != null ? dataDir
                        : FashionMnist.defaultDir()));
        StreamingBenchmark.Result r = bench.run();
        print(r);
        write(settings, r);
        return 0;
    }

    private static void print(StreamingBenchmark.Result r) {
        System.out.println();
        System.out.printf("streaming pipeline   %10.0f events/s  %8.1f steps/s%n", r.streamingEventsPerSecond(),
                r.streamingStepsPerSecond());
        System.out.printf("offline trainer                         %8.1f steps/s%n", r.offlineStepsPerSecond());
        System.out.printf("streaming overhead   %9.1f %% (steps/s); CPU per step %.2f ms streaming vs %.2f ms offline "
                + "(%+.1f %%)%n", 100 * r.overhead(), r.streamingCpuMsPerStep(), r.offlineCpuMsPerStep(),
                100 * (r.streamingCpuMsPerStep() / r.offlineCpuMsPerStep() - 1));
        System.out.printf("freshness            p50 %.0f ms, p99 %.0f ms over %d steps%n", r.freshnessP50Ms(),
                r.freshnessP99Ms(), r.freshnessSteps());
        for (Map.Entry<String, Long> e : r.checkpointBytesByModel().entrySet()) {
            System.out.printf("checkpoint size      %-24s %,d bytes%n", e.getKey(), e.getValue());
        }
        System.out.printf("update record        %.1f bytes mean (min %d, max %d); announcement %.1f bytes%n",
                r.updateRecordBytesMean(), r.updateRecordBytesMin(), r.updateRecordBytesMax(),
                r.announcementBytesMean());
        System.out.printf("replica apply        p50 %.2f ms, p99 %.2f ms per record%n", r.applyP50Ms(), r.applyP99Ms());
    }

    private void write(StreamingBenchmark.Settings s, StreamingBenchmark.Result r) throws IOException {
        Files.createDirectories(out);
        Path csv = out.resolve("streaming-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + ".csv");
        StringBuilder b = new StringBuilder("metric,value,unit,settings\n");
        String ctx = "\"" + s.model() + " batch " + s.batch() + "\"";
        b.append("streaming_events_per_s,").append(r.streamingEventsPerSecond()).append(",events/s,").append(ctx).append('\n');
        b.append("streaming_steps_per_s,").append(r.streamingStepsPerSecond()).append(",steps/s,").append(ctx).append('\n');
        b.append("offline_steps_per_s,").append(r.offlineStepsPerSecond()).append(",steps/s,").append(ctx).append('\n');
        b.append("streaming_overhead,").append(r.overhead()).append(",fraction,").append(ctx).append('\n');
        b.append("streaming_cpu_ms_per_step,").append(r.streamingCpuMsPerStep()).append(",ms,").append(ctx).append('\n');
        b.append("offline_cpu_ms_per_step,").append(r.offlineCpuMsPerStep()).append(",ms,").append(ctx).append('\n');
        String fctx = "\"" + s.freshnessRate() + " events/s checkpoint " + s.checkpointInterval() + "\"";
        b.append("freshness_p50,").append(r.freshnessP50Ms()).append(",ms,").append(fctx).append('\n');
        b.append("freshness_p99,").append(r.freshnessP99Ms()).append(",ms,").append(fctx).append('\n');
        for (Map.Entry<String, Long> e : r.checkpointBytesByModel().entrySet()) {
            b.append("checkpoint_bytes,").append(e.getValue()).append(",bytes,\"").append(e.getKey()).append(" after ")
                    .append(s.checkpointSteps()).append(" steps batch ").append(s.checkpointBatch()).append("\"\n");
        }
        b.append("update_record_bytes_mean,").append(r.updateRecordBytesMean()).append(",bytes,").append(ctx).append('\n');
        b.append("replica_apply_p50,").append(r.applyP50Ms()).append(",ms,").append(ctx).append('\n');
        b.append("replica_apply_p99,").append(r.applyP99Ms()).append(",ms,").append(ctx).append('\n');
        b.append("announcement_bytes_mean,").append(r.announcementBytesMean()).append(",bytes,").append(ctx).append('\n');
        Files.writeString(csv, b);
        System.out.println("wrote " + csv);
    }
}
