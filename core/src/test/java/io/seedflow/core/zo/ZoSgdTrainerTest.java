package io.seedflow.core.zo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.error.NonFiniteLossException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.rng.SeedDerivation;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The MeZO step of spec section 6 and the invariant: a replica applying the records holds the trainer's bits. */
class ZoSgdTrainerTest {
    /** 300 x 64 = 19200 weights: more than one UpdateApplier chunk, so the parallel apply path runs too. */
    private static final MlpSpec SPEC = MlpSpec.parse("mlp:64x300x10:relu");
    private static final int BATCH = 16;

    private static Batch batch(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[BATCH * SPEC.inputs()];
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = rnd.nextInt(SPEC.classes());
            for (int f = 0; f < SPEC.inputs(); f++) {
                // a learnable signal: feature y is shifted
                x[i * SPEC.inputs() + f] = (float) rnd.nextGaussian() + (f == y[i] ? 2f : 0f);
            }
        }
        return new Batch(x, y, BATCH, SPEC.inputs());
    }

    private static List<Lineage> lineage(long step) {
        return List.of(new Lineage("labeled-events", (int) (step % 3), step * BATCH, (step + 1) * BATCH));
    }

    @Test
    void signVariantAppliesPlusOrMinusTheLearningRateAndReplaysBitExactly() {
        double lr = 0.01;
        int q = 2;
        ZoOptions options = ZoOptions.builder().learningRate(lr).epsilon(1e-3f).perturbations(q).runSeed(99)
                .variant(ZoVariant.SIGN).build();
        ParameterSet initial = new Mlp(SPEC).initialize(3);
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), initial.copy(), options, "m", "base-sha", 0);
        Replica replica = new Replica("m", initial.copy(), 0);
        int negative = 0;
        for (long step = 1; step <= 20; step++) {
            UpdateRecord r = trainer.step(batch(step), lineage(step));
            for (PerturbationTerm t : r.perturbations()) {
                // |c| is lr/q whatever |g| was, with the sign of g (g = 0 gives c = 0)
                assertThat(t.coefficient()).isEqualTo(
                        (float) (lr * Math.signum(t.projectedGradient()) / q));
                negative += t.coefficient() < 0 ? 1 : 0;
            }
            replica.apply(r);
        }
        assertThat(negative).as("both signs occur").isBetween(1, 39);
        assertThat(replica.parameters().weightsSha256()).isEqualTo(trainer.parameters().weightsSha256());
    }

    @ParameterizedTest(name = "q = {0}")
    @ValueSource(ints = {1, 2})
    void replicaApplyingTheRecordsHoldsTheTrainersWeights(int q) {
        ZoOptions options = ZoOptions.builder().learningRate(0.05).epsilon(1e-3f).perturbations(q).weightDecay(0.01)
                .gradientClip(5).schedule(LearningRateSchedule.COSINE).warmupSteps(5).totalSteps(50)
                .finalLearningRateFraction(0.1).runSeed(1234).build();
        ParameterSet initial = new Mlp(SPEC).initialize(7);
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), initial.copy(), options, "m", "base-sha", 0);
        Replica replica = new Replica("m", initial.copy(), 0);
        Mlp probe = new Mlp(SPEC);
        for (long step = 1; step <= 50; step++) {
            Batch b = batch(step);
            // what the trainer must compute, from the replica's weights (= the trainer's before this step)
            double lr = options.learningRateAt(step);
            float[] expectedC = new float[q];
            for (int k = 0; k < q; k++) {
                LossSums l = probe.perturbedLossSums(replica.parameters(), b,
                        SeedDerivation.perturbationSeed(1234, step, k), 1e-3f, null);
                double g = Math.max(-5, Math.min(5, (l.meanPlus() - l.meanMinus()) / (2.0 * 1e-3f)));
                expectedC[k] = (float) (lr * g / q);
            }
            UpdateRecord r = trainer.step(b, lineage(step));
            assertThat(r.step()).isEqualTo(step);
            assertThat(r.formatVersion()).isEqualTo(UpdateRecord.FORMAT_VERSION);
            assertThat(r.modelId()).isEqualTo("m");
            assertThat(r.baseSnapshotId()).isEqualTo("base-sha");
            assertThat(r.status()).isEqualTo(UpdateStatus.APPLIED);
            assertThat(r.decayFactor()).isEqualTo((float) (1.0 - lr * 0.01));
            assertThat(r.learningRate()).isEqualTo((float) lr);
            assertThat(r.epsilon()).isEqualTo(1e-3f);
            assertThat(r.batchSize()).isEqualTo(BATCH);
            assertThat(r.lineage()).isEqualTo(lineage(step));
            assertThat(r.perturbations()).hasSize(q);
            for (int k = 0; k < q; k++) {
                PerturbationTerm t = r.perturbations().get(k);
                assertThat(t.seed()).isEqualTo(SeedDerivation.perturbationSeed(1234, step, k));
                assertThat(t.coefficient()).as("step %d term %d", step, k).isEqualTo(expectedC[k]);
            }
            replica.apply(r);
            assertThat(trainer.version()).isEqualTo(step);
        }
        assertThat(replica.version()).isEqualTo(50);
        assertThat(replica.parameters().weightsSha256()).isEqualTo(trainer.parameters().weightsSha256());
        assertThat(trainer.parameters().weightsSha256()).isNotEqualTo(initial.weightsSha256());
        assertThat(trainer.skippedSteps()).isZero();
    }

    @Test
    void gradientClipBoundsTheProjectedGradient() {
        double clip = 1e-3;
        ZoOptions.Builder base = ZoOptions.builder().learningRate(1e-4).epsilon(1e-3f).perturbations(2).runSeed(9);
        ZoSgdTrainer clipped = new ZoSgdTrainer(new CpuBackend(SPEC), new Mlp(SPEC).initialize(3),
                base.gradientClip(clip).build(), "m", "b", 0);
        ZoSgdTrainer free = new ZoSgdTrainer(new CpuBackend(SPEC), new Mlp(SPEC).initialize(3),
                base.gradientClip(0).build(), "m", "b", 0);
        int atBound = 0;
        int beyondBound = 0;
        for (long step = 1; step <= 10; step++) {
            for (PerturbationTerm t : clipped.step(batch(step), List.of()).perturbations()) {
                assertThat(Math.abs(t.projectedGradient())).isLessThanOrEqualTo((float) clip);
                assertThat(Math.abs(t.coefficient())).isLessThanOrEqualTo((float) (1e-4 * clip / 2) * 1.0000001f);
                if (Math.abs(t.projectedGradient()) == (float) clip) {
                    atBound++;
                }
            }
            for (PerturbationTerm t : free.step(batch(step), List.of()).perturbations()) {
                if (Math.abs(t.projectedGradient()) > clip) {
                    beyondBound++;
                }
            }
        }
        assertThat(beyondBound).as("unclipped gradients beyond the bound (else the test proves nothing)").isPositive();
        assertThat(atBound).isPositive();
    }

    private static Batch batchWithNaN() {
        Batch b = batch(99);
        b.features()[5] = Float.NaN;
        return b;
    }

    @Test
    void nonFiniteLossIsSkippedUnderSkip() {
        ParameterSet initial = new Mlp(SPEC).initialize(4);
        ZoOptions options = ZoOptions.builder().perturbations(2).weightDecay(0.1).nonFinitePolicy(NonFinitePolicy.SKIP)
                .build();
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), initial.copy(), options, "m", "b", 0);
        UpdateRecord r = trainer.step(batchWithNaN(), lineage(1));
        assertThat(r.status()).isEqualTo(UpdateStatus.SKIPPED_NON_FINITE);
        assertThat(r.perturbations()).isEmpty();
        assertThat(r.step()).isEqualTo(1);
        assertThat(r.lineage()).isEqualTo(lineage(1)); // the events are consumed all the same
        assertThat(trainer.skippedSteps()).isEqualTo(1);
        assertThat(trainer.version()).isEqualTo(1);
        assertThat(trainer.parameters().weightsSha256()).isEqualTo(initial.weightsSha256());
        // training goes on, and a replica follows both records
        UpdateRecord next = trainer.step(batch(2), lineage(2));
        assertThat(next.status()).isEqualTo(UpdateStatus.APPLIED);
        assertThat(next.step()).isEqualTo(2);
        assertThat(trainer.skippedSteps()).isEqualTo(1);
        Replica replica = new Replica("m", initial.copy(), 0);
        replica.apply(r);
        replica.apply(next);
        assertThat(replica.parameters().weightsSha256()).isEqualTo(trainer.parameters().weightsSha256());
    }

    @Test
    void nonFiniteLossFailsUnderFail() {
        ParameterSet initial = new Mlp(SPEC).initialize(4);
        ZoOptions options = ZoOptions.builder().nonFinitePolicy(NonFinitePolicy.FAIL).build();
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), initial.copy(), options, "m", "b", 0);
        NonFiniteLossException e = catchThrowableOfType(NonFiniteLossException.class,
                () -> trainer.step(batchWithNaN(), List.of()));
        assertThat(e).hasMessageContaining("step 1").hasMessageContaining("NaN").hasMessageContaining("SKIP");
        assertThat(trainer.version()).isZero();
        assertThat(trainer.skippedSteps()).isZero();
        assertThat(trainer.parameters().weightsSha256()).isEqualTo(initial.weightsSha256());
        assertThat(trainer.step(batch(1), List.of()).step()).isEqualTo(1);
    }

    @Test
    void trainerResumesFromASnapshotVersion() {
        ZoOptions options = ZoOptions.builder().runSeed(5).build();
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(SPEC), new Mlp(SPEC).initialize(1), options, "m", "b", 40);
        UpdateRecord r = trainer.step(batch(1), List.of());
        assertThat(r.step()).isEqualTo(41);
        assertThat(r.perturbations().get(0).seed()).isEqualTo(SeedDerivation.perturbationSeed(5, 41, 0));
        assertThat(r.decayFactor()).isEqualTo(1f);
    }
}
