package io.seedflow.jobs.study.text;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.jobs.study.StudyReport;
import io.seedflow.text.SpamAssassinTokens;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the text study: loads and tokenizes the corpus, computes the frozen body's sentence embeddings once, then
 * every (view, method, seed) asked for, cheap methods first; the files are rewritten after every run so a long
 * study can be read while it goes, and a study started again on the same folder goes on where it stopped.
 */
public final class TextStudyRunner {
    /** A (view, method) pair as {@code view/method}, e.g. {@code prequential/hybrid}. */
    public record Job(TextStudy.View view, String method) {
        public static Job parse(String text) {
            int slash = text.indexOf('/');
            List<String> known = all().stream().map(Job::toString).toList();
            if (slash > 0) {
                for (TextStudy.View v : TextStudy.View.values()) {
                    if (v.name().equals(text.substring(0, slash))
                            && TextStudy.methods(v).contains(text.substring(slash + 1))) {
                        return new Job(v, text.substring(slash + 1));
                    }
                }
            }
            throw new InvalidConfigurationException("--methods", text, "must be one of " + known);
        }

        /** Every job, the cheap ones (no encoder training) first. */
        public static List<Job> all() {
            List<Job> cheap = new ArrayList<>();
            List<Job> dear = new ArrayList<>();
            for (TextStudy.View v : List.of(TextStudy.View.prequential, TextStudy.View.offline)) {
                for (String m : TextStudy.methods(v)) {
                    boolean headOnly = List.of("untrained-head", "linear-probe", "zero-shot", "frozen-after-70",
                            "head-only")
                            .contains(m);
                    (headOnly ? cheap : dear).add(new Job(v, m));
                }
            }
            cheap.addAll(dear);
            return cheap;
        }

        @Override
        public String toString() {
            return view + "/" + method;
        }
    }

    private TextStudyRunner() {
    }

    public static List<TextStudy.Run> run(TextStudy.Settings settings, Path dataDir, List<Job> jobs, List<Long> seeds,
            Path out, PrintStream log) {
        EncoderSpec spec = settings.spec();
        log.printf(Locale.ROOT, "study: %s on SpamAssassin (%s), batch %d, seeds %s%n", spec.toText(), dataDir,
                settings.batch(), seeds);
        SpamAssassinTokens corpus = SpamAssassinTokens.load(dataDir, spec.maxTokens());
        log.printf(Locale.ROOT, "  %d mails tokenized (at most %d tokens), the last 30%% from mail %d%n",
                corpus.all().count(), spec.maxTokens(), corpus.trainCount());
        TextStudy study = new TextStudy(settings, corpus, SentenceEmbeddings.of(spec, corpus.all(), out, log), log);
        TextStudyReport.claimFolder(out, settings.toString().replace(", ", "\n"));
        List<TextStudy.Run> runs = TextStudyReport.readRuns(out);
        if (!runs.isEmpty()) {
            log.printf(Locale.ROOT, "  %d runs of an earlier study in %s are kept (delete its runs.csv to redo them)%n",
                    runs.size(), out);
        }
        int total = jobs.size() * seeds.size();
        int done = 0;
        for (Job job : jobs) {
            for (long seed : seeds) {
                done++;
                if (runs.stream().anyMatch(r -> r.view() == job.view() && r.method().equals(job.method())
                        && r.seed() == seed)) {
                    continue;
                }
                log.printf(Locale.ROOT, "[%d/%d] %s seed %d ...%n", done, total, job, seed);
                TextStudy.Run r = study.run(job.view(), job.method(), seed);
                runs.add(r);
                TextStudyReport.writePredictions(out.resolve("predictions"), r);
                writeFiles(out, runs, corpus);
            }
        }
        writeFiles(out, runs, corpus);
        String table = TextStudyReport.markdown(runs, corpus.all().labels(), corpus.trainCount());
        log.print(table);
        log.println("wrote " + out.resolve("runs.csv") + ", summary.md, prequential.png, predictions/");
        return runs;
    }

    private static void writeFiles(Path out, List<TextStudy.Run> runs, SpamAssassinTokens corpus) {
        TextStudyReport.writeRunsCsv(out.resolve("runs.csv"), runs);
        StudyReport.write(out.resolve("summary.md"), TextStudyReport.markdown(runs, corpus.all().labels(),
                corpus.trainCount()));
        TextStudyReport.writeStreamPng(out.resolve("prequential.png"), runs, corpus.all().labels(),
                corpus.trainCount());
    }
}
