package io.seedflow.jobs.offline;

import io.seedflow.core.data.EpochSampler;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.BackpropTrainer;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.Model;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import java.util.Locale;

/** The first-order baseline on the same model, data order and evaluation cadence as {@link ZoOfflineTraining}. */
public final class BackpropOfflineTraining {
    private BackpropOfflineTraining() {
    }

    public static ZoOfflineTraining.Result run(TrainingSettings s, LabeledDataset train, LabeledDataset test,
            float momentum) {
        Model model = s.model().newModel();
        ParameterSet params = model.initialize(s.initSeed());
        ZoOfflineTraining.mkdirs(s.outDir());
        SnapshotStore store = new SnapshotStore(s.outDir().resolve("snapshots"));
        SnapshotStore.Ref base = store.write(params, s.modelId(), 0, s.model().toText());
        BackpropTrainer trainer = BackpropTrainer.forModel(s.model(), params, momentum, (float) s.zo().weightDecay());
        LearningCurve curve = new LearningCurve("backprop");
        EpochSampler sampler = new EpochSampler(train.count(), s.dataSeed());
        double smoothed = Double.NaN;
        long nanos = 0;
        Evaluation last = null;
        try (ProgressReporter progress = new ProgressReporter("backprop", s.steps(), s.progressBar())) {
            for (long step = 1; step <= s.steps(); step++) {
                EpochSampler.Draw d = sampler.next(s.batchSize());
                long t0 = System.nanoTime();
                double loss = trainer.step(train.batch(d.order(), d.offset(), d.size()),
                        (float) s.zo().learningRateAt(step));
                nanos += System.nanoTime() - t0;
                smoothed = Double.isNaN(smoothed) ? loss : 0.99 * smoothed + 0.01 * loss;
                if (step % s.evalEvery() == 0 || step == s.steps()) {
                    Evaluation e = model.evaluate(params, test, Math.min(s.evalExamples(), test.count()), 1000);
                    last = e;
                    curve.add(new LearningCurve.Point(step, step * s.batchSize(), e.accuracy(), e.meanLoss(), smoothed,
                            nanos / 1e9));
                    progress.milestone(step, String.format(Locale.ROOT, "test acc %.4f  train loss %.4f",
                            e.accuracy(), smoothed));
                }
            }
        }
        SnapshotStore.Ref fin = store.write(params, s.modelId(), s.steps(), s.model().toText());
        curve.writeCsv(s.outDir().resolve("curve.csv"));
        LearningCurve.writePng(s.outDir().resolve("curve.png"), "Backprop " + s.model(), List.of(curve));
        return new ZoOfflineTraining.Result(curve, last, base, fin, null, s.steps(), 0, nanos / 1e9, 0, 0);
    }
}
