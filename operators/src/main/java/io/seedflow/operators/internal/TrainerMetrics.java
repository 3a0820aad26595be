package io.seedflow.operators.internal;

import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import io.seedflow.core.model.Evaluation;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * The trainer's metrics, as they appear in the Flink dashboard (operator "ZO trainer", names prefixed
 * {@code seedflow}): counters of steps, events trained, holdout events and snapshots stored; a
 * steps/s meter (60 s window); gauges of the smoothed loss, |g|, the model version, the snapshot age and the holdout
 * accuracy. Gauges show the model this subtask trained last (one model per trainer in the usual deployment).
 */
public final class TrainerMetrics {
    /** Weight of the newest step in the smoothed loss (an exponential moving average). */
    static final double LOSS_SMOOTHING = 0.02;

    private final Counter steps;
    private final Counter eventsTrained;
    private final Counter holdoutEvents;
    private final Counter snapshotsStored;
    private final Counter alreadyTrained;
    private final LongSupplier clock;
    private volatile double smoothedLoss = Double.NaN;
    private volatile double gradientNorm = Double.NaN;
    private volatile long modelVersion = -1;
    private volatile long snapshotCreatedMillis = -1;
    private volatile double holdoutAccuracy = Double.NaN;

    private volatile Evaluation prequentialWindow = NO_SCORE;
    private volatile Evaluation prequentialTotal = NO_SCORE;
    private static final Evaluation NO_SCORE = new Evaluation(Double.NaN, 2, new long[4]);

    public TrainerMetrics(MetricGroup group, LongSupplier clock) {
        this.clock = clock;
        steps = group.counter("seedflowSteps");
        eventsTrained = group.counter("seedflowEventsTrained");
        holdoutEvents = group.counter("seedflowHoldoutEvents");
        snapshotsStored = group.counter("seedflowSnapshotsStored");
        alreadyTrained = group.counter("seedflowEventsAlreadyTrained");
        group.meter("seedflowStepsPerSecond", new MeterView(steps));
        group.meter("seedflowEventsTrainedPerSecond", new MeterView(eventsTrained));
        group.gauge("seedflowLoss", (Gauge<Double>) () -> smoothedLoss);
        group.gauge("seedflowGradientNorm", (Gauge<Double>) () -> gradientNorm);
        group.gauge("seedflowModelVersion", (Gauge<Long>) () -> modelVersion);
        group.gauge("seedflowSnapshotAgeSeconds", (Gauge<Double>) this::snapshotAgeSeconds);
        group.gauge("seedflowHoldoutAccuracy", (Gauge<Double>) () -> holdoutAccuracy);
        group.gauge("seedflowPrequentialAccuracy", (Gauge<Double>) () -> prequentialWindow.accuracy());
        group.gauge("seedflowPrequentialF1", (Gauge<Double>) () -> prequentialWindow.f1());
        group.gauge("seedflowPrequentialAccuracyTotal", (Gauge<Double>) () -> prequentialTotal.accuracy());
        group.gauge("seedflowPrequentialF1Total", (Gauge<Double>) () -> prequentialTotal.f1());
        group.gauge("seedflowPrequentialExamples", (Gauge<Long>) () -> (long) prequentialTotal.examples());
    }

    public void stepped(UpdateRecord r) {
        steps.inc();
        eventsTrained.inc(r.batchSize());
        modelVersion = r.step();
        if (r.status() != UpdateStatus.APPLIED) {
            return;
        }
        double loss = 0;
        double g2 = 0;
        for (PerturbationTerm t : r.perturbations()) {
            loss += 0.5 * ((double) t.lossPlus() + t.lossMinus());
            g2 += (double) t.projectedGradient() * t.projectedGradient();
        }
        loss /= r.perturbations().size();
        gradientNorm = Math.sqrt(g2 / r.perturbations().size());
        smoothedLoss = Double.isNaN(smoothedLoss) ? loss : smoothedLoss + LOSS_SMOOTHING * (loss - smoothedLoss);
    }

    public void restored(long version, SnapshotPointer pointer) {
        modelVersion = version;
        snapshotStored(pointer, false);
    }

    public void snapshotStored(SnapshotPointer pointer, boolean count) {
        snapshotCreatedMillis = pointer.createdMillis() > 0 ? pointer.createdMillis() : -1;
        if (count) {
            snapshotsStored.inc();
        }
    }

    public void holdoutEvent() {
        holdoutEvents.inc();
    }

    /** An event the log a resumed model continues had already trained, read again and dropped. */
    public void alreadyTrained() {
        alreadyTrained.inc();
    }

    /** The newest prequential scores: over the window and in total (F1: class 1 of two, else macro). */
    public void prequential(Evaluation window, Evaluation total) {
        prequentialWindow = window;
        prequentialTotal = total;
    }

    public void holdoutAccuracy(double accuracy) {
        holdoutAccuracy = accuracy;
    }

    private double snapshotAgeSeconds() {
        long created = snapshotCreatedMillis;
        return created < 0 ? Double.NaN : (clock.getAsLong() - created) / 1000.0;
    }
}
