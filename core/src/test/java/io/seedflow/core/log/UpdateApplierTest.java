package io.seedflow.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/** Spec section 5: validation before any write, and the element-wise rule, bit for bit. */
class UpdateApplierTest {

    /** Tensors of rank 2, 1 and 3, several bigger than CHUNK (parallel path) and not multiples of it. */
    static ParameterSet params(long seed) {
        ParameterSet p = new ParameterSet(List.of(
                new TensorSpec("w0", new int[] {171, 200}), // 34200 = 2 CHUNKs + a partial one
                new TensorSpec("b0", new int[] {171}),
                new TensorSpec("w1", new int[] {3, 7, 1001}), // rank 3: decayed
                new TensorSpec("b1", new int[] {20_001}))); // rank 1 but chunked: never decayed
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int t = 0; t < p.size(); t++) {
            float[] a = p.tensor(t);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rnd.nextGaussian() * 0.5);
            }
        }
        return p;
    }

    static UpdateRecord record(long step, UpdateStatus status, float decay, PerturbationTerm... terms) {
        return record(UpdateRecord.FORMAT_VERSION, "model", step, status, decay, terms);
    }

    static UpdateRecord record(int format, String modelId, long step, UpdateStatus status, float decay,
            PerturbationTerm... terms) {
        return new UpdateRecord(format, modelId, "base-sha", step, status, decay, List.of(terms), 1e-3f, 1e-2f, 64,
                List.of(new Lineage("events", 0, 64 * (step - 1), 64 * step)), 1_700_000_000_000L + step);
    }

    static PerturbationTerm term(long seed, float c) {
        return new PerturbationTerm(seed, c, c * 100, 2.3f, 2.29f);
    }

    /** The rule of spec section 5.4, one element at a time, with z from element(). */
    static ParameterSet reference(ParameterSet in, UpdateRecord r) {
        ParameterSet p = in.copy();
        if (r.status() == UpdateStatus.SKIPPED_NON_FINITE) {
            return p;
        }
        float d = r.decayFactor();
        for (int t = 0; t < p.size(); t++) {
            float[] a = p.tensor(t);
            boolean decay = p.spec(t).rank() >= 2 && d != 1f;
            for (int e = 0; e < a.length; e++) {
                float theta = a[e];
                if (decay) {
                    theta = theta * d;
                }
                for (PerturbationTerm k : r.perturbations()) {
                    theta = Math.fma(-k.coefficient(), PerturbationGenerator.element(k.seed(), t, e), theta);
                }
                a[e] = theta;
            }
        }
        return p;
    }

    static void assertSameBits(ParameterSet expected, ParameterSet actual) {
        for (int t = 0; t < expected.size(); t++) {
            float[] x = expected.tensor(t);
            float[] y = actual.tensor(t);
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                    fail("tensor %d element %d: expected %s (%08x) but was %s (%08x)", t, i, x[i],
                            Float.floatToRawIntBits(x[i]), y[i], Float.floatToRawIntBits(y[i]));
                }
            }
        }
        assertThat(actual.weightsSha256()).isEqualTo(expected.weightsSha256());
    }

    @Test
    void tensorsUnderTestUseTheParallelPath() {
        assertThat(params(0).tensor(0).length).isGreaterThan(2 * UpdateApplier.CHUNK);
        assertThat(params(0).tensor(0).length % UpdateApplier.CHUNK).isNotZero();
        assertThat(params(0).tensor(3).length).isGreaterThan(UpdateApplier.CHUNK);
    }

    @Test
    void singleTermWithoutDecayEqualsScalarReference() {
        ParameterSet p = params(1);
        UpdateRecord r = record(1, UpdateStatus.APPLIED, 1f, term(0x1234_5678_9abcL, 0.0173f));
        ParameterSet expected = reference(p, r);
        UpdateApplier.apply(p, r);
        assertSameBits(expected, p);
    }

    @Test
    void threeTermsWithDecayEqualScalarReference() {
        ParameterSet p = params(2);
        UpdateRecord r = record(7, UpdateStatus.APPLIED, 0.9993f, term(-1L, 0.02f), term(42L, -0.75f),
                term(Long.MIN_VALUE + 3, 3.1e-5f));
        ParameterSet before = p.copy();
        ParameterSet expected = reference(p, r);
        UpdateApplier.apply(p, r);
        assertSameBits(expected, p);
        assertThat(p.weightsSha256()).isNotEqualTo(before.weightsSha256());
    }

    @Test
    void termsAreAppliedInRecordOrder() {
        // seeds deliberately not ascending: an implementation that reorders terms rounds differently somewhere
        ParameterSet p = params(3);
        UpdateRecord r = record(1, UpdateStatus.APPLIED, 1f, term(9, 0.3f), term(2, -0.7f), term(5, 0.11f));
        ParameterSet expected = reference(p, r);
        UpdateApplier.apply(p, r);
        assertSameBits(expected, p);
        UpdateRecord sorted = record(1, UpdateStatus.APPLIED, 1f, term(2, -0.7f), term(5, 0.11f), term(9, 0.3f));
        assertThat(reference(params(3), sorted).weightsSha256()).isNotEqualTo(expected.weightsSha256());
    }

    @Test
    void decayAppliesToRankTwoAndHigherOnly() {
        ParameterSet p = params(4);
        ParameterSet before = p.copy();
        UpdateApplier.apply(p, record(1, UpdateStatus.APPLIED, 0.5f));
        for (int t = 0; t < p.size(); t++) {
            float[] a = p.tensor(t);
            float[] b = before.tensor(t);
            for (int i = 0; i < a.length; i++) {
                float expected = p.spec(t).rank() >= 2 ? b[i] * 0.5f : b[i];
                assertThat(a[i]).as("tensor %s element %d", p.spec(t), i).isEqualTo(expected);
            }
        }
    }

    @Test
    void resultDoesNotDependOnThreadCount() throws Exception {
        UpdateRecord r = record(1, UpdateStatus.APPLIED, 0.999f, term(5, 0.01f), term(6, -0.02f));
        ParameterSet common = params(5);
        UpdateApplier.apply(common, r);
        ParameterSet single = params(5);
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            pool.submit(() -> UpdateApplier.apply(single, r)).get();
        } finally {
            pool.shutdown();
        }
        assertSameBits(common, single);
    }

    @Test
    void skippedRecordChangesNothingEvenWithDecay() {
        ParameterSet p = params(6);
        String before = p.weightsSha256();
        UpdateApplier.apply(p, record(3, UpdateStatus.SKIPPED_NON_FINITE, 0.5f));
        assertThat(p.weightsSha256()).isEqualTo(before);
    }

    @Test
    void unknownFormatVersionsAndVersionsNotMatchingTheSectionsAreRefusedAndTouchNothing() {
        ParameterSet p = params(7);
        String before = p.weightsSha256();
        UpdateRecord v4 = record(4, "model", 5, UpdateStatus.APPLIED, 0.9f, term(1, 0.1f));
        assertThatThrownBy(() -> UpdateApplier.apply(p, v4)).isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("format version 4").hasMessageContaining("versions 1 to 3")
                .hasMessageContaining("step 5");
        // version 2 without a mask or correction, and a mask under version 1: both say which version fits
        UpdateRecord v2Dense = record(2, "model", 5, UpdateStatus.APPLIED, 0.9f, term(1, 0.1f));
        assertThatThrownBy(() -> UpdateApplier.apply(p, v2Dense)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("must be 1");
        UpdateRecord r = record(1, "model", 5, UpdateStatus.APPLIED, 0.9f, term(1, 0.1f));
        UpdateRecord v1Masked = new UpdateRecord(1, r.modelId(), r.baseSnapshotId(), r.step(), r.status(),
                r.decayFactor(), r.perturbations(), r.epsilon(), r.learningRate(), r.batchSize(), r.lineage(),
                r.trainerTimeMillis(), new io.seedflow.core.sparse.UpdateMask(List.of(
                        io.seedflow.core.sparse.TensorMask.dense(0))), null);
        assertThatThrownBy(() -> UpdateApplier.apply(p, v1Masked)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("must be 2");
        assertThat(p.weightsSha256()).isEqualTo(before);
    }

    @Test
    void nonFiniteCoefficientIsRefusedBeforeAnyTermIsApplied() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            ParameterSet p = params(8);
            String before = p.weightsSha256();
            // the bad term comes second: the first must not have been applied either
            UpdateRecord r = record(4, UpdateStatus.APPLIED, 0.9f, term(1, 0.1f), term(2, bad));
            assertThatThrownBy(() -> UpdateApplier.apply(p, r)).isInstanceOf(InvalidUpdateRecordException.class)
                    .hasMessageContaining("coefficient").hasMessageContaining("term 1")
                    .hasMessageContaining(String.valueOf(bad));
            assertThat(p.weightsSha256()).isEqualTo(before);
        }
    }

    @Test
    void decayOutsideZeroOneIsRefused() {
        for (float bad : new float[] {0f, -0.5f, 1.5f, Math.nextUp(1f), Float.NaN, Float.POSITIVE_INFINITY}) {
            ParameterSet p = params(9);
            String before = p.weightsSha256();
            UpdateRecord r = record(4, UpdateStatus.APPLIED, bad, term(1, 0.1f));
            assertThatThrownBy(() -> UpdateApplier.apply(p, r)).as("decay %s", bad)
                    .isInstanceOf(InvalidUpdateRecordException.class)
                    .hasMessageContaining("decayFactor").hasMessageContaining(String.valueOf(bad));
            assertThat(p.weightsSha256()).isEqualTo(before);
        }
        // the boundaries that are allowed
        UpdateApplier.validate(record(1, UpdateStatus.APPLIED, 1f));
        UpdateApplier.validate(record(1, UpdateStatus.APPLIED, Float.MIN_VALUE));
    }

    @Test
    void skippedRecordWithTermsIsRefused() {
        ParameterSet p = params(10);
        String before = p.weightsSha256();
        UpdateRecord r = record(4, UpdateStatus.SKIPPED_NON_FINITE, 1f, term(1, 0.1f), term(2, 0.2f));
        assertThatThrownBy(() -> UpdateApplier.apply(p, r)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("SKIPPED_NON_FINITE").hasMessageContaining("2 perturbation terms");
        assertThat(p.weightsSha256()).isEqualTo(before);
    }

    @Test
    void recordIsImmutableAndCountsEvents() {
        List<PerturbationTerm> terms = new ArrayList<>(List.of(term(1, 0.1f)));
        UpdateRecord r = new UpdateRecord(1, "m", "b", 1, UpdateStatus.APPLIED, 1f, terms, 1e-3f, 1e-3f, 8,
                List.of(new Lineage("a", 0, 10, 18), new Lineage("a", 1, 5, 5)), 0L);
        terms.add(term(2, 0.2f));
        assertThat(r.perturbations()).hasSize(1);
        assertThat(r.eventCount()).isEqualTo(8);
        assertThatThrownBy(() -> new Lineage("a", 0, 10, 9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[10, 9)");
    }
}
