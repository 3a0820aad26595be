package io.seedflow.core.data;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Counts, spam shares and date ranges of a time-ordered mail corpus and its train/test split. */
public record CorpusSummary(int mails, int undated, int receivedDates, Part all, Part train, Part test) {

    /** One list of mails: count, spam count and first/last date (null when empty). */
    public record Part(String name, int count, int spam, Instant first, Instant last) {
        static Part of(String name, List<LabeledEmail> emails) {
            int spam = (int) emails.stream().filter(LabeledEmail::isSpam).count();
            return new Part(name, emails.size(), spam, emails.isEmpty() ? null : emails.get(0).date(),
                    emails.isEmpty() ? null : emails.get(emails.size() - 1).date());
        }

        /** Spam share in [0, 1]; 0 when empty. */
        public double spamShare() {
            return count == 0 ? 0 : (double) spam / count;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-5s %5d mails, %5d spam (%.1f%%), %s .. %s", name, count, spam,
                    100 * spamShare(), first, last);
        }
    }

    static CorpusSummary of(SpamAssassinCorpus corpus, TimeOrderedSplit split) {
        int mails = corpus.folders().stream().mapToInt(SpamAssassinCorpus.FolderCount::mails).sum();
        int received = corpus.folders().stream().mapToInt(SpamAssassinCorpus.FolderCount::receivedDates).sum();
        return new CorpusSummary(mails, corpus.undatedCount(), received, Part.of("all", corpus.emails()),
                Part.of("train", split.train()), Part.of("test", split.test()));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d mails read, %d undated (excluded), %d dated by Received%n%s%n%s%n%s",
                mails, undated, receivedDates, all, train, test);
    }
}
