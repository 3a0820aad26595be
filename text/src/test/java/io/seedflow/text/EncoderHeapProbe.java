package io.seedflow.text;

import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.ZoOptions;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child JVM of {@link EncoderFootprintBenchmark}: reads the weights and one batch that the parent wrote, runs one mode
 * (serve, ZO training, ZO training with the exact head) a few times and exits 0; exits 3 on OutOfMemoryError.
 *
 * <p>Its own heap use is kept to the weights and the mode's working set: the weights are streamed from raw
 * little-endian floats through a 1 MiB buffer (no second copy, no ONNX parse, no tokenizer), so the smallest heap
 * it completes in is decided by the mode, not by the loading.
 */
final class EncoderHeapProbe {
    static final int OOM_EXIT = 3;
    static final String WEIGHTS = "weights.f32";
    static final String BATCH = "batch.bin";

    /** What the child runs on the batch (training: ZO-SGD, q = 1). */
    enum Mode {
        SERVE("serve: probabilities"),
        TRAIN("train: every tensor by ZO"),
        TRAIN_HEAD("train: body by ZO, exact head"),
        TRAIN_MASK("train: magnitude mask 0.8");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    private EncoderHeapProbe() {
    }

    /** {@code <mode> <dir> <iterations>}. */
    public static void main(String[] args) throws Exception {
        Mode mode = Mode.valueOf(args[0]);
        Path dir = Path.of(args[1]);
        int iterations = Integer.parseInt(args[2]);
        try {
            EncoderSpec spec = EncoderSpec.miniLm(2, EncoderFootprintBenchmark.MAX_TOKENS);
            ParameterSet params = readWeights(spec, dir.resolve(WEIGHTS));
            Batch batch = readBatch(dir.resolve(BATCH));
            long start = System.nanoTime();
            run(mode, spec, params, batch, iterations);
            System.out.printf("completed %s x%d in %.0f ms%n", mode, iterations, (System.nanoTime() - start) / 1e6);
        } catch (Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof OutOfMemoryError) {
                    System.out.println("OutOfMemoryError: " + c.getMessage());
                    System.exit(OOM_EXIT);
                }
            }
            throw t;
        }
    }

    private static void run(Mode mode, EncoderSpec spec, ParameterSet params, Batch batch, int iterations) {
        if (mode == Mode.SERVE) {
            var model = spec.newModel();
            for (int i = 0; i < iterations; i++) {
                model.probabilities(params, batch);
            }
            return;
        }
        ZoOptions options = ZoOptions.builder().learningRate(1e-6).epsilon(1e-3f)
                .headLearningRate(mode == Mode.TRAIN_HEAD ? 1e-3 : 0)
                .sparsity(mode == Mode.TRAIN_MASK
                        ? new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.8, 0, List.of())
                        : SparsityOptions.NONE).build();
        try (TrainingSession session = TrainingSession.resume("probe", spec, options, params, "base", 0,
                BackendFactory.cpu())) {
            for (int i = 0; i < iterations; i++) {
                session.step(batch, List.of());
            }
        }
    }

    /** Raw little-endian fp32, tensors in canonical order. */
    static void writeWeights(ParameterSet params, Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int t = 0; t < params.size(); t++) {
                for (float v : params.tensor(t)) {
                    if (buf.remaining() < 4) {
                        ch.write(buf.flip());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
            }
            ch.write(buf.flip());
        }
    }

    private static ParameterSet readWeights(EncoderSpec spec, Path file) throws IOException {
        ParameterSet params = new ParameterSet(spec.tensorSpecs());
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file)) {
            for (int t = 0; t < params.size(); t++) {
                float[] x = params.tensor(t);
                for (int off = 0; off < x.length; ) {
                    buf.clear().limit(Math.min(buf.capacity(), 4 * (x.length - off)));
                    while (buf.hasRemaining()) {
                        if (ch.read(buf) < 0) {
                            throw new IOException(file + " ends inside tensor " + t);
                        }
                    }
                    buf.flip().asFloatBuffer().get(x, off, buf.remaining() / 4);
                    off += buf.remaining() / 4;
                }
            }
        }
        return params;
    }

    static void writeBatch(Batch b, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(b.size());
            out.writeInt(b.featureCount());
            for (int v : b.tokenIds()) {
                out.writeInt(v);
            }
            for (int i = 0; i < b.size(); i++) {
                out.writeInt(b.tokenCounts()[i]);
                out.writeInt(b.labels()[i]);
            }
        }
    }

    private static Batch readBatch(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int n = in.readInt();
            int width = in.readInt();
            int[] ids = new int[n * width];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = in.readInt();
            }
            int[] counts = new int[n];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                counts[i] = in.readInt();
                labels[i] = in.readInt();
            }
            return Batch.ofTokens(ids, counts, labels, width);
        }
    }
}
