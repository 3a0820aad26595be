package io.seedflow.jobs.offline;

import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.data.EpochSampler;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * ZO-SGD on a labeled data set from a fresh base snapshot: writes the base snapshot, the update log
 * ({@code updates.avro}, in the settings' {@link TrainingSettings#logEncoding()}), the final snapshot and the learning
 * curve (CSV + PNG) into the output folder.
 */
public final class ZoOfflineTraining {
    /** What a run produced; {@code finalEvaluation} is the test-set evaluation after the last step. */
    public record Result(LearningCurve curve, Evaluation finalEvaluation, SnapshotStore.Ref baseSnapshot, SnapshotStore.Ref finalSnapshot,
            Path updateLog, long steps, long skippedSteps, double trainSeconds, double meanRecordBytes,
            int maxRecordBytes) {
        public double stepsPerSecond() {
            return steps / trainSeconds;
        }
    }

    /** Examples per evaluation pass: dense MLP batches are cheap; a text batch holds up to maxTokens rows each. */
    static final int EVAL_CHUNK = 256;
    static final int TEXT_EVAL_CHUNK = 32;

    private ZoOfflineTraining() {
    }

    public static Result run(TrainingSettings s, LabeledDataset train, LabeledDataset test) {
        mkdirs(s.outDir());
        SnapshotStore store = new SnapshotStore(s.outDir().resolve("snapshots"));
        Path logFile = s.outDir().resolve("updates.avro");
        LearningCurve curve = new LearningCurve("zo-sgd");
        EpochSampler sampler = new EpochSampler(train.count(), s.dataSeed());
        String source = "offline:" + train.name();
        double smoothed = Double.NaN;
        long trainNanos = 0;
        long recordBytes = 0;
        int maxRecordBytes = 0;
        Evaluation last = null;
        int evalChunk = train.inputKind() == InputKind.TOKENS ? TEXT_EVAL_CHUNK : EVAL_CHUNK;
        TrainingSession.Started started = TrainingSession.fresh(s.modelId(), s.model(), s.zo(), s.initSeed(),
                BackendFactory.of(s.backend(), 0));
        SnapshotStore.Ref base = store.write(started.snapshotsToStore().get(0));
        try (TrainingSession trainer = started.session();
             UpdateLogFile.Writer log = new UpdateLogFile.Writer(logFile, s.logEncoding());
             ProgressReporter progress = new ProgressReporter("zo-sgd", s.steps(), s.progressBar())) {
            progress.milestone(0, "compute backend " + trainer.backendName());
            for (long step = 1; step <= s.steps(); step++) {
                EpochSampler.Draw d = sampler.next(s.batchSize());
                long t0 = System.nanoTime();
                UpdateRecord r = trainer.step(train.batch(d.order(), d.offset(), d.size()),
                        List.of(new Lineage(source, 0, d.fromPosition(), d.fromPosition() + d.size())));
                trainNanos += System.nanoTime() - t0;
                int size = log.append(r);
                recordBytes += size;
                maxRecordBytes = Math.max(maxRecordBytes, size);
                smoothed = smooth(smoothed, r);
                if (step % s.evalEvery() == 0 || step == s.steps()) {
                    Evaluation e = trainer.evaluate(test, Math.min(s.evalExamples(), test.count()), evalChunk);
                    last = e;
                    curve.add(new LearningCurve.Point(step, step * s.batchSize(), e.accuracy(), e.meanLoss(),
                            smoothed, trainNanos / 1e9));
                    progress.milestone(step, String.format(Locale.ROOT, "test acc %.4f%s  train loss %.4f",
                            e.accuracy(), binaryF1(e), smoothed));
                } else if (step % 50 == 0) {
                    progress.step(step, String.format(Locale.ROOT, "train loss %.4f", smoothed));
                }
            }
            SnapshotStore.Ref fin = store.write(trainer.takeSnapshot());
            curve.writeCsv(s.outDir().resolve("curve.csv"));
            LearningCurve.writePng(s.outDir().resolve("curve.png"), "ZO-SGD " + s.model(), List.of(curve));
            return new Result(curve, last, base, fin, logFile, s.steps(), trainer.skippedSteps(), trainNanos / 1e9,
                    recordBytes / (double) s.steps(), maxRecordBytes);
        }
    }

    /** For two classes, the F1 of class 1 (e.g. spam) beside the accuracy. */
    public static String binaryF1(Evaluation e) {
        return e.classes() == 2 ? String.format(Locale.ROOT, "  test F1 (class 1) %.4f", e.f1(1)) : "";
    }

    private static double smooth(double prev, UpdateRecord r) {
        if (r.perturbations().isEmpty()) {
            return prev;
        }
        PerturbationTerm t = r.perturbations().get(0);
        double loss = 0.5 * (t.lossPlus() + t.lossMinus());
        return Double.isNaN(prev) ? loss : 0.99 * prev + 0.01 * loss;
    }

    static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + dir, e);
        }
    }
}
