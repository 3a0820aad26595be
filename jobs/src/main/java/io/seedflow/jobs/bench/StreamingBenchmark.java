package io.seedflow.jobs.bench;

import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.replica.ModelListener;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The streaming benchmarks of docs/benchmarks.md, in one process on the embedded stack (in-JVM Kafka, loopback
 * registry, Flink MiniCluster, parallelism 1): (1) sustained events/s and steps/s of the whole pipeline on
 * pre-produced events vs the same trainer on the same batches offline (warmed up first by as many steps), and the
 * process's CPU time per step in both, (2) event-to-replica freshness at a fixed
 * event rate, (3) checkpoint size after 10k steps for a small and a 16x wider model, (4) bytes per update record,
 * (5) what signing the log adds (docs/update-log-spec.md §10): bytes per record, freshness, chain, sign and verify
 * costs.
 */
public final class StreamingBenchmark {
    /** What to run; see {@code seedflow bench-streaming --help}. */
    public record Settings(String model, int batch, int throughputEvents, double freshnessRate,
            Duration freshnessDuration, Duration checkpointInterval, long checkpointSteps, int checkpointBatch,
            List<String> checkpointModels, Path workDir, java.util.Set<String> parts, Configuration recipe) {
    }

    /** The figures, as printed. */
    public record Result(double streamingEventsPerSecond, double streamingStepsPerSecond,
            double offlineStepsPerSecond, double overhead, double streamingCpuMsPerStep, double offlineCpuMsPerStep,
            double freshnessP50Ms, double freshnessP99Ms,
            int freshnessSteps, Map<String, Long> checkpointBytesByModel, double updateRecordBytesMean,
            int updateRecordBytesMin, int updateRecordBytesMax, double announcementBytesMean, double applyP50Ms,
            double applyP99Ms) {
    }

    private final Settings s;
    private final BenchData events;
    private final LabeledDataset data;

    /** Dense events (Fashion-MNIST): the MLP benchmarks. */
    public StreamingBenchmark(Settings settings, LabeledDataset data) {
        this(settings, BenchData.dense(data));
    }

    /** Text events: the mails of {@code mails} in order, cut at {@code maxTokens} tokens (an encoder model). */
    public static StreamingBenchmark ofTexts(Settings settings, List<io.seedflow.core.data.LabeledEmail> mails,
            int maxTokens) {
        return new StreamingBenchmark(settings, BenchData.texts(mails, maxTokens));
    }

    private StreamingBenchmark(Settings settings, BenchData events) {
        this.s = settings;
        this.events = events;
        this.data = events.examples();
    }

    public Result run() throws Exception {
        try (BenchEnvironment env = new BenchEnvironment()) {
            Throughput t = new Throughput(Double.NaN, Double.NaN, new Rate(Double.NaN, Double.NaN), Double.NaN,
                    new Sizes(), new Sizes(), new double[0]);
            if (s.parts().contains("throughput")) {
                System.out.println("[throughput] " + s.throughputEvents() + " pre-produced events, batch " + s.batch());
                t = throughput(env);
            }
            double[] fresh = new double[0];
            if (s.parts().contains("freshness")) {
                System.out.println("[freshness] " + s.freshnessRate() + " events/s for " + s.freshnessDuration());
                fresh = freshness(env, "freshness", null, null).lags();
            }
            if (s.parts().contains("signing")) {
                System.out.println("[signing] the freshness run unsigned, then signed with a verifying replica: "
                        + s.freshnessRate() + " events/s for " + s.freshnessDuration() + ", checkpoint interval "
                        + s.checkpointInterval());
                signing(env);
            }
            Map<String, Long> ckpt = new java.util.LinkedHashMap<>();
            if (s.parts().contains("checkpoint")) {
                System.out.println("[checkpoint] size after " + s.checkpointSteps() + " steps: "
                        + s.checkpointModels());
                for (String m : s.checkpointModels()) {
                    ckpt.put(m, checkpointBytes(env, m));
                }
            }
            return new Result(t.eventsPerSecond, t.stepsPerSecond, t.offline.stepsPerSecond,
                    1 - t.stepsPerSecond / t.offline.stepsPerSecond, t.cpuMsPerStep, t.offline.cpuMsPerStep,
                    percentile(fresh, 50), percentile(fresh, 99),
                    fresh.length, ckpt, t.recordBytes.mean(), t.recordBytes.min, t.recordBytes.max,
                    t.announcementBytes.mean(), percentile(t.applyMs, 50), percentile(t.applyMs, 99));
        }
    }

    private record Throughput(double eventsPerSecond, double stepsPerSecond, Rate offline, double cpuMsPerStep,
            Sizes recordBytes, Sizes announcementBytes, double[] applyMs) {
    }

    /** Steps per second of wall time, and milliseconds of this process's CPU time per step. */
    private record Rate(double stepsPerSecond, double cpuMsPerStep) {
    }

    private static final class Sizes {
        long total;
        int count;
        int min = Integer.MAX_VALUE;
        int max;

        void add(int n) {
            total += n;
            count++;
            min = Math.min(min, n);
            max = Math.max(max, n);
        }

        double mean() {
            return count == 0 ? Double.NaN : (double) total / count;
        }
    }

    private Throughput throughput(BenchEnvironment env) throws Exception {
        BenchEnvironment.Topics topics = env.newTopics("throughput");
        env.produceAll(topics.events(), events, s.throughputEvents());
        Path snapshots = Files.createDirectories(s.workDir().resolve("throughput-snapshots"));
        StreamingSettings settings = env.settings(topics, s.model(), s.batch(), snapshots, s.checkpointInterval(),
                true, s.recipe());
        // as many steps as the streaming run will take, so that the training code is compiled (JIT) before streaming
        // starts and the streaming figure does not pay for the warm-up that the offline figure after it skips
        Rate offlineWarmup = offline(s.throughputEvents() / s.batch());
        long start = System.nanoTime();
        ProcessCpuClock cpu = new ProcessCpuClock();
        try {
            runToEnd(settings, localConfiguration(null));
        } finally {
            cpu.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<ConsumerRecord<byte[], byte[]>> log = readAll(env, topics.updates());
        UpdatesTopic.Reader reader = new UpdatesTopic.Reader(env.client);
        Sizes records = new Sizes();
        Sizes announcements = new Sizes();
        List<UpdateRecord> updates = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : log) {
            UpdatesTopic.Entry e = reader.read(r.value());
            if (e.update() != null) {
                records.add(r.value().length);
                updates.add(e.update());
            } else {
                announcements.add(r.value().length);
            }
        }
        // steady state: from the first record to the last, by the trainer's clock (excludes job start-up)
        long first = updates.get(0).trainerTimeMillis();
        long last = updates.get(updates.size() - 1).trainerTimeMillis();
        long span = last - first;
        double steps = (updates.size() - 1) / (span / 1000.0);
        double events = (updates.size() - 1) * (double) s.batch() / (span / 1000.0);
        // CPU time of the whole process (broker, registry and Flink included) over the same steady window: unlike
        // wall time, hardly changed by other processes on a shared machine
        double cpuMsPerStep = (cpu.cpuNanosAt(last) - cpu.cpuNanosAt(first)) / 1e6 / (updates.size() - 1);
        Rate offline = offline(updates.size());
        System.out.printf("  streaming: %d steps in %.1f s wall (incl. start-up); steady %.0f events/s, %.1f steps/s,"
                + " %.2f ms CPU/step; offline %.1f steps/s, %.2f ms CPU/step (warm-up run %.1f steps/s)%n",
                updates.size(), seconds, events, steps, cpuMsPerStep, offline.stepsPerSecond, offline.cpuMsPerStep,
                offlineWarmup.stepsPerSecond);
        double[] applyMs = applyTimes(snapshots, updates);
        System.out.printf("  replica apply: p50 %.2f ms, p99 %.2f ms per record (%d records, one thread)%n",
                percentile(applyMs, 50), percentile(applyMs, 99), applyMs.length);
        return new Throughput(events, steps, offline, cpuMsPerStep, records, announcements, applyMs);
    }

    /**
     * What a replica spends on each record: core's {@link Replica} applying the committed records to the trainer's
     * base snapshot, timed one by one (sorted); checks that it ends at the trainer's weights.
     */
    private static double[] applyTimes(Path snapshots, List<UpdateRecord> updates) throws Exception {
        String baseId = updates.get(0).baseSnapshotId();
        Snapshot base = SnapshotStore.read(snapshots.resolve(baseId + ".safetensors"), baseId);
        Replica replica = new Replica(BenchEnvironment.MODEL_ID, base.parameters(), base.step());
        double[] ms = new double[updates.size()];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            replica.apply(updates.get(i));
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    /** The same training session (CPU backend) on the same events in the same batches, in memory. */
    private Rate offline(int steps) {
        ModelSpec spec = ModelSpecs.parse(s.model());
        ZoOptions options = ZoTrainerOptions.zoOptions(s.recipe()); // the streaming trainer's options
        List<Lineage> lineage = List.of(new Lineage("offline", 0, 0, s.batch()));
        try (TrainingSession trainer = TrainingSession.fresh(BenchEnvironment.MODEL_ID, spec, options, 1,
                BackendFactory.cpu()).session()) {
            int[] order = new int[data.count()];
            Arrays.setAll(order, i -> i);
            long start = System.nanoTime();
            long cpuStart = ProcessCpuClock.processCpuNanos();
            for (int k = 0; k < steps; k++) {
                int from = (k * s.batch()) % (data.count() - s.batch());
                Batch b = data.batch(order, from, s.batch());
                trainer.step(b, lineage);
            }
            double cpuMs = (ProcessCpuClock.processCpuNanos() - cpuStart) / 1e6;
            return new Rate(steps / ((System.nanoTime() - start) / 1e9), cpuMs / steps);
        }
    }

    /** One freshness run: the lags, and the wire bytes of the updates topic's values by kind. */
    private record FreshnessRun(double[] lags, Sizes records, Sizes announcements, Sizes seals,
            List<UpdateRecord> updates) {
    }

    /**
     * The freshness run and the signed one side by side: what signing adds to the updates topic per record, to
     * freshness (a verifying replica applies a record once its checkpoint's seal arrives), and what chaining,
     * signing and verifying cost on this machine.
     */
    private void signing(BenchEnvironment env) throws Exception {
        java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path keyFile = Files.writeString(s.workDir().resolve("bench-signing-key.pem"),
                io.seedflow.core.log.LogSignatures.pem(key.getPrivate()));
        FreshnessRun plain = freshness(env, "signing-off", null, null);
        FreshnessRun signed = freshness(env, "signing-on", keyFile, key.getPublic());
        for (FreshnessRun r : List.of(plain, signed)) {
            long all = r.records().total + r.announcements().total + r.seals().total;
            System.out.printf("  %s: %d records, %.1f bytes each on the wire; %d announcements %.1f bytes each; %d "
                    + "seals %.1f bytes each; all values %.2f bytes per record; freshness p50 %.0f ms, p99 %.0f ms%n",
                    r == plain ? "unsigned" : "signed  ", r.records().count, r.records().mean(),
                    r.announcements().count, r.announcements().mean(), r.seals().count, r.seals().mean(),
                    (double) all / r.records().count, percentile(r.lags(), 50), percentile(r.lags(), 99));
        }
        double perRecordPlain = (double) (plain.records().total + plain.announcements().total)
                / plain.records().count;
        double perRecordSigned = (double) (signed.records().total + signed.announcements().total
                + signed.seals().total) / signed.records().count;
        System.out.printf("  signing adds %.2f bytes per record (%.1f records per seal)%n",
                perRecordSigned - perRecordPlain, (double) signed.records().count / Math.max(1, signed.seals().count));
        signingCosts(key, signed.updates());
    }

    /** Per record: canonical bytes and one SHA-256 (trainer and replica alike); per seal: one sign, one verify. */
    private static void signingCosts(java.security.KeyPair key, List<UpdateRecord> updates) {
        int rounds = Math.max(1, 200_000 / Math.max(1, updates.size()));
        byte[] link = io.seedflow.core.log.LogChain.root("m", 0, "s");
        long[] chainNanos = new long[7];
        for (int rep = 0; rep < chainNanos.length; rep++) {
            long t = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                for (UpdateRecord r : updates) {
                    link = io.seedflow.connectors.log.UpdateRecordCodec.nextLink(link, r);
                }
            }
            chainNanos[rep] = (System.nanoTime() - t) / ((long) rounds * updates.size());
        }
        io.seedflow.core.log.LogSignatures.Signer signer = new io.seedflow.core.log.LogSignatures.Signer(
                key.getPrivate());
        io.seedflow.core.log.LogSignatures.Verifier verifier = new io.seedflow.core.log.LogSignatures.Verifier(
                key.getPublic());
        int n = 2_000;
        io.seedflow.core.log.LogSeal seal = null;
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            seal = signer.seal("bench-model", i, link);
        }
        double signMicros = (System.nanoTime() - t) / 1e3 / n;
        boolean ok = true;
        t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ok &= verifier.verifies(seal);
        }
        double verifyMicros = (System.nanoTime() - t) / 1e3 / n;
        java.util.Arrays.sort(chainNanos);
        System.out.printf("  chain per record %d ns (median of %d passes over %d records; canonical bytes + SHA-256); "
                + "Ed25519 sign %.0f us, verify %.0f us per seal or announcement (%d each, %s)%n",
                chainNanos[chainNanos.length / 2], chainNanos.length, rounds * updates.size(), signMicros,
                verifyMicros, n, ok ? "all verified" : "SOME FAILED");
    }

    private FreshnessRun freshness(BenchEnvironment env, String name, Path signingKey,
            java.security.PublicKey verifyKey) throws Exception {
        BenchEnvironment.Topics topics = env.newTopics(name);
        Path snapshots = Files.createDirectories(s.workDir().resolve(name + "-snapshots"));
        StreamingSettings settings = env.settings(topics, s.model(), s.batch(), snapshots, s.checkpointInterval(),
                false, s.recipe(), signingKey);
        Map<Long, Long> producedAt = new ConcurrentHashMap<>();
        Map<Long, Long> appliedAt = new ConcurrentHashMap<>();
        Map<Long, Long> newestOffsetOfStep = new ConcurrentHashMap<>();
        Sizes records = new Sizes();
        Sizes announcements = new Sizes();
        Sizes seals = new Sizes();
        List<UpdateRecord> updates = new ArrayList<>();
        JobClient job = start(settings, localConfiguration(null));
        ModelListener listener = new ModelListener() {
            @Override
            public void onUpdate(long version, ParameterSet weights) {
                appliedAt.put(version, System.currentTimeMillis());
            }
        };
        try (ModelUpdateSubscriber replica = ModelUpdateSubscriber.builder()
                .bootstrapServers(env.kafka.bootstrapServers()).registry(env.registry.clientOptions(null))
                .updatesTopic(topics.updates()).modelId(BenchEnvironment.MODEL_ID).snapshotsFromAnnouncements()
                .verifyKey(verifyKey).bootstrapTimeout(Duration.ofMinutes(2)).listener(listener).build().start();
                KafkaProducer<byte[], byte[]> producer = env.producer()) {
            long total = (long) (s.freshnessRate() * s.freshnessDuration().toSeconds());
            long t0 = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long due = t0 + (long) (i * 1e9 / s.freshnessRate());
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                byte[] value = env.encode(topics.events(), events, (int) (i % events.count()));
                producer.send(BenchEnvironment.record(topics.events(), value), (RecordMetadata m, Exception e) -> {
                    if (m != null) {
                        producedAt.put(m.offset(), System.currentTimeMillis());
                    }
                });
            }
            producer.flush();
            long steps = total / s.batch();
            if (!replica.awaitVersion(steps, Duration.ofMinutes(2))) {
                throw new IllegalStateException("replica reached only version " + replica.version() + " of " + steps);
            }
            UpdatesTopic.Reader reader = new UpdatesTopic.Reader(env.client);
            for (ConsumerRecord<byte[], byte[]> r : readAll(env, topics.updates())) {
                UpdatesTopic.Entry e = reader.read(r.value());
                (e.update() != null ? records : e.seal() != null ? seals : announcements).add(r.value().length);
                if (e.update() != null) {
                    updates.add(e.update());
                    long newest = e.update().lineage().stream().mapToLong(l -> l.untilOffset() - 1).max().orElse(-1);
                    newestOffsetOfStep.put(e.update().step(), newest);
                }
            }
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        List<Long> lags = new ArrayList<>();
        for (Map.Entry<Long, Long> e : newestOffsetOfStep.entrySet()) {
            Long applied = appliedAt.get(e.getKey());
            Long produced = producedAt.get(e.getValue());
            if (applied != null && produced != null) {
                lags.add(applied - produced);
            }
        }
        double[] out = lags.stream().mapToDouble(Long::doubleValue).sorted().toArray();
        System.out.printf("  %d steps: freshness p50 %.0f ms, p99 %.0f ms (checkpoint interval %s)%n", out.length,
                percentile(out, 50), percentile(out, 99), s.checkpointInterval());
        return new FreshnessRun(out, records, announcements, seals, updates);
    }

    private long checkpointBytes(BenchEnvironment env, String model) throws Exception {
        BenchEnvironment.Topics topics = env.newTopics("checkpoint");
        int events = (int) (s.checkpointSteps() * s.checkpointBatch());
        env.produceAll(topics.events(), this.events, events);
        String name = model.replace(':', '-');
        Path snapshots = Files.createDirectories(s.workDir().resolve("checkpoint-snapshots-" + name));
        Path checkpoints = Files.createDirectories(s.workDir().resolve("checkpoints-" + name));
        StreamingSettings settings = env.settings(topics, model, s.checkpointBatch(), snapshots,
                s.checkpointInterval(), false, s.recipe());
        JobClient job = start(settings, localConfiguration(checkpoints));
        try (ModelUpdateSubscriber replica = ModelUpdateSubscriber.builder()
                .bootstrapServers(env.kafka.bootstrapServers()).registry(env.registry.clientOptions(null))
                .updatesTopic(topics.updates()).modelId(BenchEnvironment.MODEL_ID).snapshotsFromAnnouncements()
                .bootstrapTimeout(Duration.ofMinutes(2)).build().start()) {
            if (!replica.awaitVersion(s.checkpointSteps(), Duration.ofMinutes(10))) {
                throw new IllegalStateException("only " + replica.version() + " of " + s.checkpointSteps()
                        + " steps committed");
            }
            // the steps became visible with a checkpoint; wait for one more so the newest holds all of them
            Thread.sleep(s.checkpointInterval().toMillis() * 2 + 500);
            long bytes = newestCheckpointBytes(checkpoints);
            System.out.printf("  %s: newest checkpoint %,d bytes after %d steps (weights %,d bytes)%n", model, bytes,
                    replica.version(), ModelSpecs.parse(model).tensorSpecs().stream().mapToLong(io.seedflow.core.tensor.TensorSpec::elementCount).sum() * 4);
            return bytes;
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    private static long newestCheckpointBytes(Path checkpoints) throws Exception {
        try (Stream<Path> dirs = Files.walk(checkpoints, 2)) {
            Path newest = dirs.filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .filter(p -> Files.exists(p.resolve("_metadata")))
                    .max((a, b) -> Long.compare(number(a), number(b)))
                    .orElseThrow(() -> new IllegalStateException("no completed checkpoint in " + checkpoints));
            try (Stream<Path> files = Files.walk(newest)) {
                return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        }
    }

    private static long number(Path chk) {
        return Long.parseLong(chk.getFileName().toString().substring(4));
    }

    private static Configuration localConfiguration(Path checkpoints) {
        Configuration c = new Configuration();
        if (checkpoints != null) {
            c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            c.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 2);
        }
        return c;
    }

    private static JobClient start(StreamingSettings settings, Configuration conf) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        StreamingPipeline.build(env, settings);
        return env.executeAsync("seedflow-bench");
    }

    private static void runToEnd(StreamingSettings settings, Configuration conf) throws Exception {
        start(settings, conf).getJobExecutionResult().get(30, TimeUnit.MINUTES);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(BenchEnvironment env, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(env.kafka.readCommittedConsumerProperties(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
