package io.seedflow.text;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.ParameterSet;
import java.util.concurrent.ForkJoinPool;

/**
 * Where the forward's time goes: runs SeedFlow's MiniLM forward (batch 16, 128 real tokens) for a while, to be
 * sampled by Java Flight Recorder, and ONNX Runtime's forward on the same batch with its own profiler on. A
 * measurement tool, not a test; run with JFR on (see docs/benchmarks.md §6.2), then
 * {@code jfr print --events jdk.ExecutionSample} and ONNX Runtime's JSON trace are summarized per operation.
 *
 * <p>Options: {@code --threads N} (2), {@code --seconds S} (30 per side), {@code --batch B} (16), {@code --step}
 * (profile SeedFlow's paired perturbed pass of a ZO step instead of its forward; no ONNX Runtime).
 */
public final class EncoderProfile {
    private EncoderProfile() {
    }

    public static void main(String[] args) throws Exception {
        int threads = 2;
        int seconds = 30;
        int batchSize = 16;
        boolean step = false;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--step" -> {
                    step = true;
                    i--;
                }
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--batch" -> batchSize = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --threads N, --seconds S, --batch B, --step");
            }
        }
        int b = batchSize;
        LabeledDataset data = FullLengthTexts.load(b, 128);
        Batch batch = data.head(b).batch(FullLengthTexts.identity(b), 0, b);
        EncoderModel model = (EncoderModel) EncoderSpec.miniLm(2, 128).newModel();
        ParameterSet params = model.initialize(1);
        ForkJoinPool pool = new ForkJoinPool(threads);
        int duration = seconds;
        if (step) {
            long[] seed = {1};
            int steps = pool.submit(() -> run(duration, () -> model.perturbedLossSums(params, batch, seed[0]++, 1e-3f,
                    null))).get();
            pool.shutdown();
            System.out.printf("SeedFlow: %d paired perturbed passes in %d s%n", steps, seconds);
            return;
        }
        int own = pool.submit(() -> run(duration, () -> model.embeddings(params, batch))).get();
        pool.shutdown();
        String trace;
        int onnx;
        try (OnnxRuntimeEncoder ort = new OnnxRuntimeEncoder(threads, "/tmp/seedflow-ort-profile")) {
            onnx = run(seconds, () -> ort.embeddings(batch.tokenIds(), batch.tokenCounts(), b, 128, 128));
            trace = ort.endProfiling();
        }
        System.out.printf("SeedFlow: %d forwards in %d s; ONNX Runtime: %d forwards in %d s, trace %s%n", own, seconds,
                onnx, seconds, trace);
    }

    private static int run(int seconds, java.util.concurrent.Callable<Object> forward) throws Exception {
        for (int i = 0; i < 3; i++) {
            forward.call(); // warm-up
        }
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int n = 0;
        while (System.nanoTime() < end) {
            forward.call();
            n++;
        }
        return n;
    }
}
