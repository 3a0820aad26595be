package io.seedflow.text;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.LabeledEmail;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.data.TimeOrderedSplit;
import java.nio.file.Path;
import java.util.List;

/**
 * The SpamAssassin corpus in time order, tokenized once for the encoder: {@link #all()} is every dated mail
 * (subject + body) as token ids, oldest first, label 1 spam and 0 ham; {@link #train()} and {@link #test()} are the
 * first {@code trainFraction} and the rest of it in time order (the split of {@link TimeOrderedSplit}).
 */
public record SpamAssassinTokens(LabeledDataset all, int trainCount) {
    public static final String NAME = "spam-assassin";
    /** The share of the mails, oldest first, that trains in the offline view (the rest, later mails, tests). */
    public static final double TRAIN_FRACTION = 0.7;

    /** Reads the corpus under {@code dir} and tokenizes every mail to at most {@code maxTokens} tokens. */
    public static SpamAssassinTokens load(Path dir, int maxTokens) {
        SpamAssassinCorpus corpus = SpamAssassinCorpus.read(dir);
        List<LabeledEmail> mails = corpus.emails();
        int trainCount = corpus.split(TRAIN_FRACTION).train().size();
        int[] labels = mails.stream().mapToInt(LabeledEmail::label).toArray();
        try (TextTokenizer tokenizer = TextTokenizer.miniLm()) {
            LabeledDataset all = tokenizer.dataset(NAME, mails.stream().map(LabeledEmail::text).toList(), labels,
                    maxTokens, 2);
            return new SpamAssassinTokens(all, trainCount);
        }
    }

    /** The first 70% of the mails in time order. */
    public LabeledDataset train() {
        return all.slice(0, trainCount);
    }

    /** The last 30% of the mails in time order. */
    public LabeledDataset test() {
        return all.slice(trainCount, all.count() - trainCount);
    }
}
