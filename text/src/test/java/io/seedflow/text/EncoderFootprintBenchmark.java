package io.seedflow.text;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.ZoOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * What issue 9 still needs for the MiniLM encoder on a CPU, printed as tables: the heap that training needs against
 * serving the same batch, the replica's apply time per record against the trainer's step time, and the Avro size of
 * a record. Batches of 16 SpamAssassin mails that fill all 128 tokens.
 *
 * <p>A benchmark, not a test: it prints numbers and asserts nothing. Run (from the repository root):
 * {@code mvn -B -q -pl text -am test-compile exec:exec -Dexec.skip=true -Dexec.executable=java
 * -Dbench.main=io.seedflow.text.EncoderFootprintBenchmark -Dseedflow.data.dir=$PWD/data}
 *
 * <p>Options: {@code --threads N} (2), {@code --steps K} (12, steps per replay setting), {@code --iterations N} (3,
 * passes or steps per heap probe), {@code --resolution MB} (2), {@code --skip heap|replay}.
 */
public final class EncoderFootprintBenchmark {
    static final int MAX_TOKENS = 128;
    static final int BATCH = 16;

    private EncoderFootprintBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int threads = 2;
        int steps = 12;
        int iterations = 3;
        int resolution = 2;
        String skip = "";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--iterations" -> iterations = Integer.parseInt(args[i + 1]);
                case "--resolution" -> resolution = Integer.parseInt(args[i + 1]);
                case "--skip" -> skip = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; expected --threads N, "
                        + "--steps K, --iterations N, --resolution MB, --skip heap|replay");
            }
        }
        LabeledDataset data = FullLengthTexts.load(BATCH * steps, MAX_TOKENS);
        EncoderSpec spec = EncoderSpec.miniLm(2, MAX_TOKENS);
        EncoderModel model = (EncoderModel) spec.newModel();
        ParameterSet base = model.initialize(1);
        System.out.printf("all-MiniLM-L6-v2 + 2-class head, %,d parameters (%.1f MB fp32); batch %d x %d tokens (all "
                + "real); %d threads, kernel %s, %d cores, Java %s%n", base.parameterCount(),
                base.parameterCount() * 4 / 1e6, BATCH, MAX_TOKENS, threads, model.kernelName(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        if (!skip.equals("heap")) {
            heap(base, data, threads, iterations, resolution);
        }
        if (!skip.equals("replay")) {
            String baseId = EncodedSnapshot.of("bench", 0, spec.toText(), base).sha256();
            replay(spec, base, baseId, data, threads, steps);
        }
    }

    private static void heap(ParameterSet base, LabeledDataset data, int threads, int iterations, int resolution)
            throws Exception {
        Path dir = Files.createTempDirectory("seedflow-heap");
        try {
            EncoderHeapProbe.writeWeights(base, dir.resolve(EncoderHeapProbe.WEIGHTS));
            EncoderHeapProbe.writeBatch(data.batch(FullLengthTexts.identity(data.count()), 0, BATCH),
                    dir.resolve(EncoderHeapProbe.BATCH));
            MinimumHeapSearch search = new MinimumHeapSearch(dir, threads, iterations);
            System.out.printf("%nSmallest -Xmx (MiB, SerialGC, -Xmn%dm, steps of %d MiB) at which %d iterations "
                    + "complete without OutOfMemoryError:%n", MinimumHeapSearch.YOUNG_MB, resolution, iterations);
            double weightsMb = base.parameterCount() * 4 / (1024.0 * 1024.0);
            System.out.println("| mode | min -Xmx MiB | above the weights (" + Math.round(weightsMb) + " MiB) | ÷ serve |");
            System.out.println("|---|---:|---:|---:|");
            int serve = 0;
            for (EncoderHeapProbe.Mode mode : EncoderHeapProbe.Mode.values()) {
                int mb = search.minimumMb(mode, 88, 512, resolution);
                serve = mode == EncoderHeapProbe.Mode.SERVE ? mb : serve;
                System.out.printf("| %s | %d | %.0f | %.3f |%n", mode.label, mb, mb - weightsMb, (double) mb / serve);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    private static void replay(EncoderSpec spec, ParameterSet base, String baseId, LabeledDataset data, int threads,
            int steps) throws Exception {
        ZoOptions.Builder common = ZoOptions.builder().learningRate(1e-6).epsilon(1e-3f).perturbations(1);
        List<EncoderReplayMeasure.Result> results = new ArrayList<>();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            results.add(EncoderReplayMeasure.run("dense, all tensors", common.build(), spec, base, baseId, data, BATCH, steps,
                    pool));
            results.add(EncoderReplayMeasure.run("magnitude mask 0.8 (matrices train their 20% largest)",
                    common.sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.8, 0, List.of()))
                            .build(), spec, base, baseId, data, BATCH, steps, pool));
            results.add(EncoderReplayMeasure.run("dense body + exact head (head lr 1e-3)", common
                    .sparsity(SparsityOptions.NONE).headLearningRate(1e-3).build(), spec, base, baseId, data, BATCH, steps,
                    pool));
        } finally {
            pool.shutdown();
        }
        System.out.printf("%nTrainer step vs replica apply, q = 1, %d steps each (medians, ms); the replica starts from "
                + "the base weights and applies the trainer's records in order:%n", steps);
        System.out.println("| setting | train ms/step | apply ms/record | replay ÷ training rate | format | Avro body B "
                + "| of which mask B | weights SHA-256 trainer = replica |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        for (EncoderReplayMeasure.Result r : results) {
            System.out.printf("| %s | %.0f | %.0f | %.1f | %d | %,d | %,d | %s %s |%n", r.setting(), r.trainMs(),
                    r.applyMs(), r.replayOverTraining(), r.formatVersion(), r.bytes(), r.maskBytes(),
                    r.match() ? "yes" : "NO",
                    r.match() ? r.trainerSha().substring(0, 16) + "…" : r.trainerSha() + " vs " + r.replicaSha());
        }
    }
}
