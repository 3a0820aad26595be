package io.seedflow.jobs.study;

import io.seedflow.core.error.InvalidConfigurationException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;

/** Runs every (seed, method) of a study with progress lines, then writes the report files. */
public final class StudyRunner {
    private StudyRunner() {
    }

    public static List<QualityStudy.RunSummary> run(QualityStudy study, List<Long> seeds, List<String> only,
            LongFunction<List<StudyMethod>> methods, Path out, PrintStream log) {
        List<String> known = methods.apply(0).stream().map(StudyMethod::name).toList();
        if (only != null) {
            for (String m : only) {
                if (!known.contains(m)) {
                    throw new InvalidConfigurationException("--methods", m, "must be one of " + known);
                }
            }
        }
        List<QualityStudy.Point> points = new ArrayList<>();
        List<QualityStudy.RunSummary> runs = new ArrayList<>();
        int total = seeds.size() * (only == null ? known.size() : only.size());
        int done = 0;
        for (long seed : seeds) {
            for (StudyMethod m : methods.apply(seed)) {
                if (only != null && !only.contains(m.name())) {
                    continue;
                }
                log.printf(Locale.ROOT, "[%d/%d] %s seed %d ...%n", ++done, total, m.name(), seed);
                QualityStudy.RunSummary r = study.run(m, seed, points::add);
                runs.add(r);
                log.printf(Locale.ROOT, "       before drift %.1f%%, just after %.1f%%, final %.1f%%, recovery %s, %.0f s%n",
                        100 * r.beforeDrift(), 100 * r.afterDrift(), 100 * r.finalAccuracy(),
                        r.recoveryForwards() < 0 ? "not reached" : String.format(Locale.ROOT, "%.2f M forwards",
                                r.recoveryForwards() / 1e6), r.seconds());
                // written after every run, so a long study can be looked at while it goes
                StudyReport.writeCurves(out.resolve("curves.csv"), points);
                StudyReport.writeSummaryCsv(out.resolve("summary.csv"), runs);
            }
        }
        String table = StudyReport.markdown(runs, 0.9);
        StudyReport.write(out.resolve("summary.md"), table);
        StudyReport.writePng(out.resolve("curves.png"), points, "Fashion-MNIST, labels permuted at half budget (mean of "
                + seeds.size() + " seeds)");
        log.println();
        log.print(table);
        log.println("wrote " + out.resolve("curves.csv") + ", summary.csv, summary.md, curves.png");
        return runs;
    }
}
