package io.seedflow.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.InputKind;
import org.junit.jupiter.api.Test;

/** The whole real corpus, tokenized in time order: the counts of the time-ordered split and real token rows. */
class SpamAssassinTokensTest {
    @Test
    void everyDatedMailBecomesOneTokenRowAndTheSplitFollowsTimeOrder() {
        SpamAssassinTokens t = SpamAssassinTokens.load(SpamAssassinTexts.requireCorpus(), 64);
        LabeledDataset all = t.all();
        assertThat(all.inputKind()).isEqualTo(InputKind.TOKENS);
        assertThat(all.count()).isEqualTo(6046);
        assertThat(t.train().count()).isEqualTo(4232);
        assertThat(t.test().count()).isEqualTo(1814);
        assertThat(spamShare(t.train())).isBetween(0.39, 0.40);
        assertThat(spamShare(t.test())).isBetween(0.13, 0.14);
        for (int i = 0; i < all.count(); i++) {
            int n = all.tokenCounts()[i];
            assertThat(n).isBetween(3, 64);
            assertThat(all.tokenIds()[i * 64]).as("[CLS] first").isEqualTo(101);
            assertThat(all.tokenIds()[i * 64 + n - 1]).as("[SEP] last").isEqualTo(102);
        }
    }

    private static double spamShare(LabeledDataset d) {
        int spam = 0;
        for (int i = 0; i < d.count(); i++) {
            spam += d.labels()[i];
        }
        return spam / (double) d.count();
    }
}
