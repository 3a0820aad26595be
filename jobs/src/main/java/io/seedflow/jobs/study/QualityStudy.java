package io.seedflow.jobs.study;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.model.BackpropTrainer;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The learning-quality study: every method trains on the same drifting Fashion-MNIST stream ({@link DriftingStream})
 * from the same initial weights, with the same budget of example-forward passes; the drift comes when half of a
 * method's budget is spent. Accuracy is measured on a fixed slice of the test set, labelled as the stream is labelled
 * at that moment.
 */
public final class QualityStudy {
    /** Study-wide settings. */
    public record Settings(MlpSpec model, int batchSize, long zoSteps, int evaluations, int evalExamples,
            double recoveryFraction) {
        /** The forward budget: what ZO-SGD spends in {@code zoSteps} steps. */
        long budget() {
            return zoSteps * 2L * batchSize;
        }
    }

    /** One accuracy measurement. */
    public record Point(String method, long seed, long step, long events, long forwards, double accuracy,
            boolean drifted) {
    }

    /** One run's summary figures. */
    public record RunSummary(String method, long seed, double beforeDrift, double afterDrift, double finalAccuracy,
            long recoveryForwards, double seconds) {
    }

    private final Settings settings;
    private final LabeledDataset train;
    private final LabeledDataset test;

    public QualityStudy(Settings settings, LabeledDataset train, LabeledDataset test) {
        this.settings = settings;
        this.train = train;
        this.test = test;
    }

    /** Trains {@code method} under {@code seed}, reporting each measurement to {@code sink}. */
    public RunSummary run(StudyMethod method, long seed, Consumer<Point> sink) {
        MlpSpec spec = settings.model();
        Mlp mlp = new Mlp(spec);
        ParameterSet params = mlp.initialize(seed);
        int b = settings.batchSize();
        long steps = settings.budget() / ((long) method.forwardsPerExample() * b);
        long driftStep = steps / 2;
        DriftingStream stream = new DriftingStream(train, seed, driftStep * b);
        long evalEvery = Math.max(1, steps / settings.evaluations());
        int n = Math.min(settings.evalExamples(), test.count());
        float[] x = test.features();
        List<Point> points = new ArrayList<>();
        long t0 = System.nanoTime();
        try (TrainingSession zo = method.backprop() ? null
                : TrainingSession.resume("study", spec, method.zo(), params, "none", 0, BackendFactory.cpu())) {
            BackpropTrainer bp = method.backprop() ? new BackpropTrainer(spec, params, 0.9f, 0f) : null;
            Point first = measure(mlp, params, method, seed, 0, stream, x, n);
            points.add(first);
            sink.accept(first);
            for (long step = 1; step <= steps; step++) {
                Batch batch = stream.next(b);
                if (zo != null) {
                    zo.step(batch, List.of(new Lineage("study", 0, stream.events() - b, stream.events())));
                } else {
                    bp.step(batch, (float) method.backpropLearningRate());
                }
                if (step % evalEvery == 0 || step == steps || step == driftStep || step == driftStep + 1) {
                    Point p = measure(mlp, params, method, seed, step, stream, x, n);
                    points.add(p);
                    sink.accept(p);
                }
            }
        }
        return summarize(method.name(), seed, points, (System.nanoTime() - t0) / 1e9);
    }

    private Point measure(Mlp mlp, ParameterSet params, StudyMethod m, long seed, long step, DriftingStream stream,
            float[] x, int n) {
        boolean drifted = stream.drifted();
        double acc = mlp.evaluate(params, x, DriftingStream.testLabels(test, n, drifted), n, 1000).accuracy();
        return new Point(m.name(), seed, step, stream.events(), step * m.forwardsPerExample() * settings.batchSize(),
                acc, drifted);
    }

    /** Before = last point before the drift; after = first after; recovery = forwards until >= fraction x before. */
    RunSummary summarize(String method, long seed, List<Point> points, double seconds) {
        Point before = null;
        Point after = null;
        long recovery = -1;
        for (Point p : points) {
            if (!p.drifted()) {
                before = p;
            } else {
                if (after == null) {
                    after = p;
                }
                if (recovery < 0 && before != null && p.accuracy() >= settings.recoveryFraction() * before.accuracy()) {
                    recovery = p.forwards() - before.forwards();
                }
            }
        }
        Point last = points.get(points.size() - 1);
        return new RunSummary(method, seed, before == null ? Double.NaN : before.accuracy(),
                after == null ? Double.NaN : after.accuracy(), last.accuracy(), recovery, seconds);
    }
}
