package io.seedflow.jobs.study.text;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.ParameterSet;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The mean-pooled sentence embeddings of every text under the pretrained body: what a head-only learner reads when
 * the body is frozen. They are computed once per token data set and cached in a file keyed by the spec and a hash of
 * the token ids, so a second study on the same corpus reads them back.
 */
final class SentenceEmbeddings {
    private static final int CHUNK = 32;

    private SentenceEmbeddings() {
    }

    /** The embeddings as a dense data set with the labels of {@code tokens}, one {@code hidden}-wide row per text. */
    static LabeledDataset of(EncoderSpec spec, LabeledDataset tokens, Path cacheDir, PrintStream log) {
        int hash = Arrays.hashCode(tokens.tokenIds()) * 31 + Arrays.hashCode(tokens.tokenCounts());
        Path cache = cacheDir.resolve(String.format(Locale.ROOT, "embeddings-%s-%d-%08x.f32",
                spec.toText().replace(':', '_'), tokens.count(), hash));
        float[] rows = Files.isRegularFile(cache) ? read(cache, tokens.count() * spec.hidden())
                : compute(spec, tokens, cache, log);
        return new LabeledDataset(tokens.name() + "-embeddings", rows, tokens.labels(), tokens.count(), spec.hidden(),
                tokens.classes());
    }

    private static float[] compute(EncoderSpec spec, LabeledDataset tokens, Path cache, PrintStream log) {
        EncoderModel model = new EncoderModel(spec);
        ParameterSet params = model.initialize(0); // the body is pretrained; the head does not enter the embeddings
        int n = tokens.count();
        int hidden = spec.hidden();
        float[] rows = new float[n * hidden];
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        long t0 = System.nanoTime();
        for (int start = 0; start < n; start += CHUNK) {
            int size = Math.min(CHUNK, n - start);
            Batch b = tokens.batch(order, start, size);
            System.arraycopy(model.embeddings(params, b), 0, rows, start * hidden, size * hidden);
            if ((start / CHUNK) % 40 == 0) {
                log.printf(Locale.ROOT, "  sentence embeddings %d/%d (%.0f s)%n", start + size, n,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        write(cache, rows);
        return rows;
    }

    private static float[] read(Path file, int expected) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int count = in.readInt();
            if (count != expected) {
                throw new IllegalStateException("embedding cache " + file + " holds " + count + " values, expected "
                        + expected + "; delete it");
            }
            float[] rows = new float[count];
            for (int i = 0; i < count; i++) {
                rows[i] = in.readFloat();
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    private static void write(Path file, float[] rows) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(
                    Files.newOutputStream(tmp)))) {
                out.writeInt(rows.length);
                for (float v : rows) {
                    out.writeFloat(v);
                }
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
