package io.seedflow.text;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;

/**
 * Speed of SeedFlow's MiniLM forward and ZO step against ONNX Runtime's forward, side by side in one JVM: full-length
 * texts (128 real tokens each, SpamAssassin mails), repetitions interleaved (ours, ORT, step, step with
 * {@code embeddings.word} frozen, then again), medians reported. ONNX Runtime gets as many intra-op threads as
 * SeedFlow's ForkJoinPool has workers. Prints the CPU model, the load average at its start, GFLOP/s beside the times,
 * and per batch size the share of the machine other processes used during its repetitions; every ratio measured when
 * the machine was not quiet ({@link BenchmarkMachine}: load above {@value BenchmarkMachine#QUIET_LOAD} at the start,
 * or others above 10% of the cores) is flagged: only a quiet machine's ratios count.
 *
 * <p>A benchmark, not a test: it prints numbers and asserts nothing. Run (from the repository root):
 * {@code mvn -B -q -pl text -am test-compile exec:exec -Dexec.skip=true -Dexec.executable=java -Dbench.args="--threads 2"}
 * (-Dexec.skip and -Dexec.executable keep the other modules of the reactor from running anything; text's pom
 * sets skip=false and its own command line).
 *
 * <p>Options: {@code --threads N} (2), {@code --reps N} (7 measured, after 2 warm-up), {@code --batches 16,32}, {@code --top 1,2,6} (issue 20 lever 3), {@code --lora 4,8} (LoRA adapters).
 */
public final class EncoderSpeedBenchmark {
    private static final int MAX_TOKENS = 128;

    private EncoderSpeedBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int threads = 2;
        int reps = 7;
        int warmup = 2;
        int[] batches = {16, 32};
        int[] top = {};
        int[] lora = {};
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--batches" -> batches = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--top" -> top = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--lora" -> lora = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --threads N, --reps N, --warmup N, --batches 16,32, --top 1,2,6, --lora 4,8");
            }
        }
        if (lora.length > 0) {
            loraSteps(threads, reps, warmup, batches, lora);
            return;
        }
        if (top.length > 0) {
            topBlocks(threads, reps, warmup, batches, top);
            return;
        }
        int largest = Arrays.stream(batches).max().orElseThrow();
        LabeledDataset data = FullLengthTexts.load(largest, MAX_TOKENS);
        EncoderSpec spec = EncoderSpec.miniLm(2, MAX_TOKENS);
        EncoderModel model = (EncoderModel) spec.newModel();
        ParameterSet params = model.initialize(1);
        UpdateMask wordFrozen = frozenWordEmbeddings(params.size());
        ForkJoinPool pool = new ForkJoinPool(threads);
        BenchmarkMachine machine = new BenchmarkMachine(); // the load at the start, before any work of ours
        System.out.printf("all-MiniLM-L6-v2, seq %d (all tokens real), %d threads (SeedFlow ForkJoinPool = ORT intra-op),"
                + " kernel %s, %s, %d cores, Java %s; medians of %d interleaved repetitions after %d warm-up; load at "
                + "start %.2f%n", MAX_TOKENS, threads, model.kernelName(), BenchmarkMachine.cpu(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), reps, warmup,
                machine.startLoad());
        System.out.println("| batch | SeedFlow fwd ms (GFLOP/s) | ORT fwd ms (GFLOP/s) | fwd ratio | ZO step ms | "
                + "step/(2 ORT) | step/(2 own) | ZO step ms, word frozen | step/(2 ORT) | step/(2 own) | others' CPU |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        try (OnnxRuntimeEncoder ort = new OnnxRuntimeEncoder(threads)) {
            for (int b : batches) {
                Batch batch = data.head(b).batch(FullLengthTexts.identity(b), 0, b);
                List<double[]> t = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    t.add(new double[reps]);
                }
                long[] step = {1};
                for (int r = -warmup; r < reps; r++) {
                    if (r == 0) {
                        machine.start(); // the measured repetitions, after the warm-up
                    }
                    double own = time(pool, () -> model.embeddings(params, batch));
                    double onnx = time(null, () -> ort.embeddings(batch.tokenIds(), batch.tokenCounts(), b,
                            MAX_TOKENS, MAX_TOKENS));
                    double dense = time(pool, () -> zoStep(model, params, batch, step[0]++, null));
                    double frozen = time(pool, () -> zoStep(model, params, batch, step[0]++, wordFrozen));
                    if (r >= 0) {
                        t.get(0)[r] = own;
                        t.get(1)[r] = onnx;
                        t.get(2)[r] = dense;
                        t.get(3)[r] = frozen;
                    }
                }
                machine.stop();
                double own = median(t.get(0));
                double onnx = median(t.get(1));
                double dense = median(t.get(2));
                double frozen = median(t.get(3));
                double gflop = forwardFlops(spec, b) / 1e9;
                System.out.printf("| %d | %.0f (%.0f) | %.0f (%.0f) | %s | %.0f | %s | %s | %.0f | %s | %s | %.0f%% |%n",
                        b, own, gflop / (own / 1e3), onnx, gflop / (onnx / 1e3), machine.ratio(own / onnx), dense,
                        machine.ratio(dense / (2 * onnx)), machine.ratio(dense / (2 * own)), frozen,
                        machine.ratio(frozen / (2 * onnx)), machine.ratio(frozen / (2 * own)),
                        100 * machine.othersShare());
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * {@code --top k,...}: a ZO step that perturbs only the top k blocks and the head (issue 20, lever 3), with the
     * frozen lower blocks' output computed once for both passes and, interleaved, in full twice; and a streaming
     * step's test-then-train (the prequential prediction of the batch, then the step), with the lower blocks
     * computed once for all three passes ({@link EncoderModel#predictBeforeStep}) and in full; all against one plain
     * forward of the same batch.
     */
    private static void topBlocks(int threads, int reps, int warmup, int[] batches, int[] top) throws Exception {
        LabeledDataset data = FullLengthTexts.load(Arrays.stream(batches).max().orElseThrow(), MAX_TOKENS);
        EncoderSpec spec = EncoderSpec.miniLm(2, MAX_TOKENS);
        EncoderModel shared = (EncoderModel) spec.newModel();
        EncoderModel full = (EncoderModel) spec.newModel();
        full.shareFrozenLayers(false);
        ParameterSet params = shared.initialize(1);
        ForkJoinPool pool = new ForkJoinPool(threads);
        BenchmarkMachine machine = new BenchmarkMachine();
        printSetting(shared, threads, reps, warmup, machine);
        System.out.println("| batch | top k blocks + head | forward ms | ZO step ms, lower blocks once | step ÷ forward "
                + "| ZO step ms, in full | step ÷ forward | test-then-train ms, lower blocks once | ÷ forward "
                + "| test-then-train ms, in full | ÷ forward | others' CPU |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        try {
            for (int b : batches) {
                Batch batch = data.head(b).batch(FullLengthTexts.identity(b), 0, b);
                for (int k : top) {
                    UpdateMask mask = topBlocks(spec, k);
                    double[][] t = new double[5][reps];
                    long[] step = {1};
                    int first = spec.layerTensor(spec.layers() - k);
                    for (int r = -warmup; r < reps; r++) {
                        if (r == 0) {
                            machine.start();
                        }
                        double fwd = time(pool, () -> shared.embeddings(params, batch));
                        double once = time(pool, () -> zoStep(shared, params, batch, step[0]++, mask));
                        double twice = time(pool, () -> zoStep(full, params, batch, step[0]++, mask));
                        // a streaming step: the prequential prediction of the batch, then the step on it
                        double tttOnce = time(pool, () -> {
                            shared.predictBeforeStep(params, batch, first);
                            return zoStep(shared, params, batch, step[0]++, mask);
                        });
                        double tttFull = time(pool, () -> {
                            full.predict(params, batch);
                            return zoStep(full, params, batch, step[0]++, mask);
                        });
                        if (r >= 0) {
                            t[0][r] = fwd;
                            t[1][r] = once;
                            t[2][r] = twice;
                            t[3][r] = tttOnce;
                            t[4][r] = tttFull;
                        }
                    }
                    machine.stop();
                    double fwd = median(t[0]);
                    System.out.printf("| %d | %d | %.0f | %.0f | %s | %.0f | %s | %.0f | %s | %.0f | %s | %.0f%% |%n",
                            b, k, fwd, median(t[1]), machine.ratio(median(t[1]) / fwd), median(t[2]),
                            machine.ratio(median(t[2]) / fwd), median(t[3]), machine.ratio(median(t[3]) / fwd),
                            median(t[4]), machine.ratio(median(t[4]) / fwd), 100 * machine.othersShare());
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * {@code --lora r,...}: a ZO step on rank-r LoRA adapters of the query and value projections over MiniLM (the head
     * frozen, as under the exact head), and a streaming step's test-then-train (the prediction, then the step), against
     * one plain forward of the same batch by MiniLM itself: what merging {@code W + A B} before every pass costs.
     */
    private static void loraSteps(int threads, int reps, int warmup, int[] batches, int[] ranks) throws Exception {
        LabeledDataset data = FullLengthTexts.load(Arrays.stream(batches).max().orElseThrow(), MAX_TOKENS);
        EncoderSpec spec = EncoderSpec.miniLm(2, MAX_TOKENS);
        EncoderModel encoder = (EncoderModel) spec.newModel();
        ParameterSet encoderParams = encoder.initialize(1);
        ForkJoinPool pool = new ForkJoinPool(threads);
        BenchmarkMachine machine = new BenchmarkMachine();
        printSetting(encoder, threads, reps, warmup, machine);
        System.out.println("| batch | LoRA rank (query, value) | forward ms | ZO step ms | step ÷ forward "
                + "| test-then-train ms | ÷ forward | others' CPU |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        try {
            for (int b : batches) {
                Batch batch = data.head(b).batch(FullLengthTexts.identity(b), 0, b);
                for (int r : ranks) {
                    ModelSpec loraSpec = ModelSpecs.parse("lora:" + r + ":query+value:" + spec.toText());
                    Model lora = loraSpec.newModel();
                    ParameterSet params = lora.initialize(1);
                    List<TensorMask> adapters = new ArrayList<>();
                    for (int t : loraSpec.tensorsWith(io.seedflow.core.model.TensorRole.ADAPTER)) {
                        adapters.add(TensorMask.dense(t));
                    }
                    UpdateMask mask = new UpdateMask(adapters);
                    double[][] t = new double[3][reps];
                    long[] step = {1};
                    for (int rep = -warmup; rep < reps; rep++) {
                        if (rep == 0) {
                            machine.start();
                        }
                        double fwd = time(pool, () -> encoder.embeddings(encoderParams, batch));
                        double zo = time(pool, () -> zoStep(lora, params, batch, step[0]++, mask));
                        double ttt = time(pool, () -> {
                            lora.predict(params, batch);
                            return zoStep(lora, params, batch, step[0]++, mask);
                        });
                        if (rep >= 0) {
                            t[0][rep] = fwd;
                            t[1][rep] = zo;
                            t[2][rep] = ttt;
                        }
                    }
                    machine.stop();
                    double fwd = median(t[0]);
                    System.out.printf("| %d | %d | %.0f | %.0f | %s | %.0f | %s | %.0f%% |%n", b, r, fwd,
                            median(t[1]), machine.ratio(median(t[1]) / fwd), median(t[2]),
                            machine.ratio(median(t[2]) / fwd), 100 * machine.othersShare());
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void printSetting(EncoderModel model, int threads, int reps, int warmup, BenchmarkMachine machine) {
        System.out.printf("all-MiniLM-L6-v2, seq %d, %d threads, kernel %s, %s, %d cores, Java %s; medians of %d "
                + "interleaved repetitions after %d warm-up; load at start %.2f%n", MAX_TOKENS, threads,
                model.kernelName(), BenchmarkMachine.cpu(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), reps, warmup, machine.startLoad());
    }

    /** Every tensor of the top {@code k} blocks and the head, dense. */
    static UpdateMask topBlocks(EncoderSpec spec, int k) {
        if (k < 1 || k > spec.layers()) {
            throw new IllegalArgumentException("--top " + k + ": expected 1.." + spec.layers());
        }
        List<TensorMask> trained = new ArrayList<>();
        for (int t = spec.layerTensor(spec.layers() - k); t < spec.headTensor() + 2; t++) {
            trained.add(TensorMask.dense(t));
        }
        return new UpdateMask(trained);
    }

    /**
     * Floating-point operations of one forward of {@code batch} full-length texts (a multiply-add counts 2): per token
     * and layer the four H x H projections, the two H x F feed-forward matrices and attention's two S x H products
     * (scores and weighted values). LayerNorm, GELU, softmax, embeddings and the head are left out (under 2%).
     */
    static double forwardFlops(EncoderSpec spec, int batch) {
        double h = spec.hidden();
        double perTokenAndLayer = 4 * 2 * h * h + 2 * 2 * h * spec.ffn() + 2 * 2 * MAX_TOKENS * h;
        return perTokenAndLayer * spec.layers() * MAX_TOKENS * batch;
    }

    /** One ZO step with q = 1: the paired perturbed losses, then the record applied (as trainer and replicas do). */
    private static Object zoStep(Model model, ParameterSet params, Batch batch, long step, UpdateMask mask) {
        float epsilon = 1e-3f;
        float learningRate = 1e-6f;
        long seed = 0x5EEDL * 1_000_003L + step;
        LossSums s = model.perturbedLossSums(params, batch, seed, epsilon, mask);
        float g = (float) ((s.plus() - s.minus()) / (2.0 * epsilon * s.count()));
        PerturbationTerm term = new PerturbationTerm(seed, learningRate * g, g, (float) s.meanPlus(),
                (float) s.meanMinus());
        UpdateApplier.apply(params, new UpdateRecord(UpdateRecord.formatVersionFor(mask, null), "bench", "base", step,
                UpdateStatus.APPLIED, 1f, List.of(term), epsilon, learningRate, batch.size(), List.of(), 0L, mask,
                null));
        return s;
    }

    private static UpdateMask frozenWordEmbeddings(int tensors) {
        List<TensorMask> trained = new ArrayList<>();
        for (int t = 1; t < tensors; t++) {
            trained.add(TensorMask.dense(t));
        }
        return new UpdateMask(trained);
    }

    private static double time(ForkJoinPool pool, Callable<Object> task) throws Exception {
        long start = System.nanoTime();
        Object result = pool == null ? task.call() : pool.submit(task).get();
        long end = System.nanoTime();
        if (result == null) {
            throw new IllegalStateException("benchmark task returned nothing");
        }
        return (end - start) / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
