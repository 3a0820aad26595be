package io.seedflow.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The corpus reader on a small corpus laid out like data/spam-assassin, built from the fixture mails. */
class SpamAssassinCorpusReaderTest {
    @TempDir
    Path dir;

    @BeforeEach
    void layOutCorpus() throws IOException {
        for (String folder : SpamAssassinCorpus.FOLDERS) {
            Files.createDirectories(dir.resolve(folder));
        }
        copy("alternative.eml", "easy-ham-1/00001.aaaa.txt");           // 2002-08-22
        copy("nested.eml", "easy-ham-2/00001.bbbb.txt");                // 2002-09-05
        copy("unknown-charset.eml", "hard-ham-1/00001.cccc.txt");       // 2002-09-02
        copy("html-only.eml", "spam-1/00001.dddd.txt");                 // 2002-09-14
        copy("bad-date.eml", "spam-2/00001.eeee.txt");                  // 2002-09-11 (Received)
        copy("base64-utf8.eml", "spam-2/00002.ffff.txt");               // 2002-09-03
        copy("no-headers.eml", "spam-2/00003.gggg.txt");                // undated
        Files.writeString(dir.resolve("spam-2/cmds"), "mv 00001.x 00001.eeee\n");
        Files.writeString(dir.resolve("spam-2/00002.ffff.json"), "{\"text\":\"a copy\"}");
        Files.writeString(dir.resolve("spam-2/.hidden"), "x");
        Files.createDirectories(dir.resolve("spam-2/subdir"));
    }

    private void copy(String fixture, String target) throws IOException {
        try (java.io.InputStream in = getClass().getResourceAsStream("/mail/" + fixture)) {
            assertThat(in).as("fixture " + fixture).isNotNull();
            Files.write(dir.resolve(target), in.readAllBytes());
        }
    }

    @Test
    void readsLabelsAndSortsByDate() {
        SpamAssassinCorpus corpus = SpamAssassinCorpus.read(dir);
        assertThat(corpus.emails()).extracting(LabeledEmail::source).containsExactly(
                "easy-ham-1/00001.aaaa.txt", "hard-ham-1/00001.cccc.txt", "spam-2/00002.ffff.txt",
                "easy-ham-2/00001.bbbb.txt", "spam-2/00001.eeee.txt", "spam-1/00001.dddd.txt");
        assertThat(corpus.emails()).extracting(LabeledEmail::label).containsExactly(0, 0, 1, 0, 1, 1);
        assertThat(corpus.undatedCount()).isEqualTo(1);
        SpamAssassinCorpus.FolderCount spam2 = corpus.folders().get(4);
        assertThat(spam2).isEqualTo(new SpamAssassinCorpus.FolderCount("spam-2", 1, 3, 1, 1, 4));
        LabeledEmail first = corpus.emails().get(0);
        assertThat(first.text()).isEqualTo("Lunch on Friday?\nShall we meet at noon? Alice");
        assertThat(first.date()).isEqualTo(Instant.parse("2002-08-22T11:36:16Z"));
    }

    @Test
    void sameInstantIsOrderedBySource() {
        Instant t = Instant.parse("2002-09-01T00:00:00Z");
        List<LabeledEmail> mails = new java.util.ArrayList<>(List.of(new LabeledEmail(t, "", "", 1, "spam-1/b"),
                new LabeledEmail(t, "", "", 0, "easy-ham-1/z"), new LabeledEmail(t.minusSeconds(1), "", "", 1, "x")));
        mails.sort(LabeledEmail.TIME_ORDER);
        assertThat(mails).extracting(LabeledEmail::source).containsExactly("x", "easy-ham-1/z", "spam-1/b");
    }

    @Test
    void timeOrderedSplitAndSummary() {
        SpamAssassinCorpus corpus = SpamAssassinCorpus.read(dir);
        TimeOrderedSplit split = corpus.split(0.7);
        assertThat(split.train()).hasSize(4).containsExactlyElementsOf(corpus.emails().subList(0, 4));
        assertThat(split.test()).hasSize(2).containsExactlyElementsOf(corpus.emails().subList(4, 6));
        CorpusSummary s = corpus.summary(0.7);
        assertThat(s.mails()).isEqualTo(7);
        assertThat(s.undated()).isEqualTo(1);
        assertThat(s.receivedDates()).isEqualTo(1);
        assertThat(s.train().spam()).isEqualTo(1);
        assertThat(s.train().spamShare()).isEqualTo(0.25);
        assertThat(s.test().spamShare()).isEqualTo(1.0);
        assertThat(s.all().first()).isEqualTo(Instant.parse("2002-08-22T11:36:16Z"));
        assertThat(s.all().last()).isEqualTo(Instant.parse("2002-09-14T09:29:32Z"));
        assertThat(s.test().first()).isEqualTo(Instant.parse("2002-09-11T17:02:03Z"));
        assertThat(s.toString()).contains("7 mails read, 1 undated").contains("train     4 mails,     1 spam (25.0%)");
    }

    @Test
    void textsAreCutToMaxChars() {
        SpamAssassinCorpus corpus = SpamAssassinCorpus.read(dir, 20);
        for (LabeledEmail e : corpus.emails()) {
            assertThat(e.text().length()).as(e.source()).isLessThanOrEqualTo(20);
        }
        assertThat(corpus.emails().get(0).text()).isEqualTo("Lunch on Friday?\nSha");
    }

    @Test
    void badSettingsNameTheValue() {
        assertThatThrownBy(() -> SpamAssassinCorpus.read(dir, 3)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("maxChars=3").hasMessageContaining("at least 16");
        SpamAssassinCorpus corpus = SpamAssassinCorpus.read(dir);
        assertThatThrownBy(() -> corpus.split(1.0)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("trainFraction=1.0").hasMessageContaining("between 0 and 1");
    }
}
