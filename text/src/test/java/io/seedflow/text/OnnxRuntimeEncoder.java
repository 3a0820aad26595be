package io.seedflow.text;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The reference forward: ONNX Runtime (CPU) on the same all-MiniLM-L6-v2 file, giving mean-pooled sentence embeddings
 * the way sentence-transformers pools them (average of {@code last_hidden_state} over the attention mask).
 * Test scope only: SeedFlow never runs ONNX Runtime.
 */
final class OnnxRuntimeEncoder implements AutoCloseable {
    static final int HIDDEN = 384;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    /** A session with {@code threads} intra-op threads (and one inter-op thread), all graph optimizations on. */
    OnnxRuntimeEncoder(int threads) {
        this(threads, null);
    }

    /**
     * As above; with {@code profilePrefix} (not null) ONNX Runtime's own profiler records every node's time, written
     * to a JSON trace by {@link #endProfiling()}.
     */
    OnnxRuntimeEncoder(int threads, String profilePrefix) {
        try (InputStream in = MiniLmResources.open(MiniLmResources.MODEL);
                OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (profilePrefix != null) {
                options.enableProfiling(profilePrefix);
            }
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(in.readAllBytes(), options);
        } catch (IOException | OrtException e) {
            throw new IllegalStateException("creating the ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    /** Ends ONNX Runtime's profiling; the path of its JSON trace. */
    String endProfiling() {
        try {
            return session.endProfiling();
        } catch (OrtException e) {
            throw new IllegalStateException("ending ONNX Runtime's profiling: " + e.getMessage(), e);
        }
    }

    /**
     * Mean-pooled embeddings {@code [size x 384]} of {@code size} texts whose ids are stored {@code stride} per text
     * (the first {@code counts[n]} real), run at sequence length {@code length} (at least every count; padding is
     * masked). token_type_ids are 0.
     */
    float[] embeddings(int[] ids, int[] counts, int size, int stride, int length) {
        long[][] inputIds = new long[size][length];
        long[][] mask = new long[size][length];
        long[][] types = new long[size][length];
        for (int n = 0; n < size; n++) {
            for (int t = 0; t < counts[n]; t++) {
                inputIds[n][t] = ids[n * stride + t];
                mask[n][t] = 1;
            }
        }
        try (OnnxTensor a = OnnxTensor.createTensor(env, inputIds);
                OnnxTensor b = OnnxTensor.createTensor(env, mask);
                OnnxTensor c = OnnxTensor.createTensor(env, types);
                OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c),
                        java.util.Set.of("output_0"))) {
            FloatBuffer hidden = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[size * HIDDEN];
            double[] sum = new double[HIDDEN];
            for (int n = 0; n < size; n++) {
                java.util.Arrays.fill(sum, 0);
                for (int t = 0; t < counts[n]; t++) {
                    int base = (n * length + t) * HIDDEN;
                    for (int h = 0; h < HIDDEN; h++) {
                        sum[h] += hidden.get(base + h);
                    }
                }
                for (int h = 0; h < HIDDEN; h++) {
                    out[n * HIDDEN + h] = (float) (sum[h] / counts[n]);
                }
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime forward: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
