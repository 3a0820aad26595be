package io.seedflow.jobs.study.text;

import io.seedflow.core.data.EpochSampler;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.encoder.EncoderSpec;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The linear probe's learning rate and weight decay, chosen on a time-ordered validation slice: for every pair of
 * the grid a head (seed 1's initial head) trains one epoch on the older part of the training mails and is scored (F1, spam
 * positive) on the newest {@code validationShare} of them; the best pair wins (ties: the earlier in the grid).
 */
public record LinearProbeChoice(float rate, float decay, double validationF1) {
    static LinearProbeChoice choose(EncoderSpec spec, InitialHead init, LabeledDataset trainEmbeddings,
            double validationShare, int batch, float[] rates, float[] decays, PrintStream log) {
        int fit = (int) Math.floor(trainEmbeddings.count() * (1 - validationShare));
        LabeledDataset older = trainEmbeddings.slice(0, fit);
        LabeledDataset newest = trainEmbeddings.slice(fit, trainEmbeddings.count() - fit);
        LinearProbeChoice best = null;
        for (float rate : rates) {
            for (float decay : decays) {
                LinearHead head = new LinearHead(spec, init, decay);
                trainOneEpoch(head, older, batch, rate, 1);
                double f1 = head.evaluate(newest).f1(TextStudy.SPAM);
                if (best == null || f1 > best.validationF1()) {
                    best = new LinearProbeChoice(rate, decay, f1);
                }
            }
        }
        log.printf(Locale.ROOT, "  linear probe: lr %s, weight decay %s (validation F1 %.4f on the newest %d of %d "
                + "training mails)%n", best.rate(), best.decay(), best.validationF1(), newest.count(),
                trainEmbeddings.count());
        return best;
    }

    /** One shuffled epoch of {@code data} in batches; returns the steps taken. */
    static long trainOneEpoch(LinearHead head, LabeledDataset data, int batch, float rate, long seed) {
        EpochSampler sampler = new EpochSampler(data.count(), seed);
        long steps = (data.count() + batch - 1) / batch;
        for (long s = 0; s < steps; s++) {
            EpochSampler.Draw d = sampler.next(batch);
            head.learn(data.batch(d.order(), d.offset(), d.size()), rate);
        }
        return steps;
    }
}
