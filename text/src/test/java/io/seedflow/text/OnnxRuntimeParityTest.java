package io.seedflow.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.ParameterSet;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/**
 * SeedFlow's encoder forward on the pretrained MiniLM body against ONNX Runtime on the original ONNX file: the same
 * token ids (our tokenizer, cut at 128), attention mask over the real tokens, token_type_ids 0, mean pooling over the
 * mask. 1,000 real mails of the SpamAssassin corpus (raw text after the header block, first 2,000 chars: the mail
 * parser is not needed to compare two forwards on the same ids).
 *
 * <p>Tolerance 1e-4 max absolute difference per embedding component: the components are O(0.1-1); the two forwards
 * sum the same products in different orders (ONNX Runtime's fused, blocked GEMMs and its own erf, exp and sqrt) over
 * six blocks, and a re-implementation in fp32 is expected around 1e-6; 1e-4 still catches any wrong tensor, constant
 * or mask (those give differences of 1e-2 and more).
 */
class OnnxRuntimeParityTest {
    private static final int TEXTS = 1_000;
    private static final int MAX_TOKENS = 128;
    private static final int BATCH = 32;
    private static final int THREADS = 2;

    @Test
    void meanPooledEmbeddingsMatchOnnxRuntimeOnRealMails() throws Exception {
        Path corpus = SpamAssassinTexts.requireCorpus();
        List<SpamAssassinTexts.Labeled> sample = SpamAssassinTexts.sample(corpus, TEXTS);
        EncoderSpec spec = EncoderSpec.miniLm(2, MAX_TOKENS);
        EncoderModel model = (EncoderModel) spec.newModel();
        ParameterSet params = model.initialize(1);
        LabeledDataset data;
        try (TextTokenizer tokenizer = TextTokenizer.miniLm()) {
            data = tokenizer.dataset("spam-assassin", sample.stream().map(SpamAssassinTexts.Labeled::text).toList(),
                    sample.stream().mapToInt(SpamAssassinTexts.Labeled::label).toArray(), MAX_TOKENS, 2);
        }
        int[] order = new int[data.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        double maxDiff = 0;
        double sumDiff = 0;
        int worstText = -1;
        long tokens = 0;
        ForkJoinPool pool = new ForkJoinPool(THREADS);
        try (OnnxRuntimeEncoder ort = new OnnxRuntimeEncoder(THREADS)) {
            for (int start = 0; start < data.count(); start += BATCH) {
                int n = Math.min(BATCH, data.count() - start);
                Batch batch = data.batch(order, start, n);
                float[] ours = pool.submit(() -> model.embeddings(params, batch).clone()).get();
                int longest = 0;
                for (int c : batch.tokenCounts()) {
                    longest = Math.max(longest, c);
                    tokens += c;
                }
                float[] reference = ort.embeddings(batch.tokenIds(), batch.tokenCounts(), n, MAX_TOKENS, longest);
                for (int i = 0; i < n * OnnxRuntimeEncoder.HIDDEN; i++) {
                    double d = Math.abs(ours[i] - reference[i]);
                    sumDiff += d;
                    if (d > maxDiff) {
                        maxDiff = d;
                        worstText = start + i / OnnxRuntimeEncoder.HIDDEN;
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        System.out.printf("MiniLM parity vs ONNX Runtime on %d SpamAssassin texts (%d tokens, kernel %s): "
                + "max |diff| = %.3g (text %d), mean |diff| = %.3g%n", data.count(), tokens, model.kernelName(),
                maxDiff, worstText, sumDiff / ((double) data.count() * OnnxRuntimeEncoder.HIDDEN));
        assertThat(data.count()).isEqualTo(TEXTS);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
    }
}
