package io.seedflow.text;

import io.seedflow.core.data.LabeledDataset;
import java.util.ArrayList;
import java.util.List;

/** Benchmark input: SpamAssassin mails that fill every one of {@code maxTokens} tokens, tokenized, labeled spam = 1. */
final class FullLengthTexts {
    private FullLengthTexts() {
    }

    /**
     * The first {@code count} full-length mails of an even sample of the corpus ({@link SpamAssassinTexts#sample}, 400
     * mails, or 4 per text wanted when more are needed).
     */
    static LabeledDataset load(int count, int maxTokens) throws Exception {
        int sampleSize = Math.max(400, 4 * count);
        List<SpamAssassinTexts.Labeled> sample = SpamAssassinTexts.sample(SpamAssassinTexts.corpus(), sampleSize);
        List<String> texts = new ArrayList<>();
        int[] labels = new int[count];
        try (TextTokenizer tokenizer = TextTokenizer.miniLm()) {
            for (SpamAssassinTexts.Labeled l : sample) {
                if (texts.size() < count && tokenizer.encode(l.text(), maxTokens).count() == maxTokens) {
                    labels[texts.size()] = l.label();
                    texts.add(l.text());
                }
            }
            if (texts.size() < count) {
                throw new IllegalStateException("only " + texts.size() + " of " + sampleSize + " mails fill "
                        + maxTokens + " tokens; need " + count);
            }
            return tokenizer.dataset("bench", texts, labels, maxTokens, 2);
        }
    }

    /** Rows 0 .. n-1 in order. */
    static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }
}
