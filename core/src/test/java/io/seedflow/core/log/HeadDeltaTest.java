package io.seedflow.core.log;

import static io.seedflow.core.log.UpdateApplierTest.assertSameBits;
import static io.seedflow.core.log.UpdateApplierTest.params;
import static io.seedflow.core.log.UpdateApplierTest.record;
import static io.seedflow.core.log.UpdateApplierTest.term;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Spec §6.4: the format-3 head delta, added in fp32 after the ZO part; validation before any write. */
class HeadDeltaTest {

    /** Deltas of the size of tensors {@code ts} of {@link UpdateApplierTest#params}, with varied magnitudes. */
    static HeadDelta delta(ParameterSet p, long seed, int... ts) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] values = new float[ts.length][];
        for (int i = 0; i < ts.length; i++) {
            values[i] = new float[p.tensor(ts[i]).length];
            for (int e = 0; e < values[i].length; e++) {
                values[i][e] = (float) (rnd.nextGaussian() * Math.pow(10, -1 - rnd.nextInt(6)));
            }
        }
        return new HeadDelta(ts, values);
    }

    /** The rule of spec §5 and §6.4 one element at a time: masked ZO part (dense entries only), then theta + delta. */
    static ParameterSet reference(ParameterSet in, UpdateRecord r) {
        ParameterSet p = in.copy();
        float d = r.decayFactor();
        for (int t = 0; t < p.size(); t++) {
            if (UpdateMask.of(r.mask(), t) == null) {
                continue;
            }
            float[] a = p.tensor(t);
            for (int e = 0; e < a.length; e++) {
                float theta = a[e];
                if (p.spec(t).rank() >= 2 && d != 1f) {
                    theta = theta * d;
                }
                for (PerturbationTerm k : r.perturbations()) {
                    theta = Math.fma(-k.coefficient(), PerturbationGenerator.element(k.seed(), t, e), theta);
                }
                a[e] = theta;
            }
        }
        HeadDelta h = r.headDelta();
        for (int i = 0; i < h.size(); i++) {
            float[] a = p.tensor(h.tensor(i));
            for (int e = 0; e < a.length; e++) {
                a[e] = a[e] + h.value(i, e);
            }
        }
        return p;
    }

    static UpdateRecord headRecord(ParameterSet p, UpdateMask mask, float decay, int... head) {
        UpdateRecord r = record(7, UpdateStatus.APPLIED, decay, term(-3L, 0.02f), term(11L, -0.004f));
        return new UpdateRecord(UpdateRecord.FORMAT_VERSION_HEAD_DELTA, r.modelId(), r.baseSnapshotId(), r.step(),
                r.status(), r.decayFactor(), r.perturbations(), r.epsilon(), r.learningRate(), r.batchSize(),
                r.lineage(), r.trainerTimeMillis(), mask, null, delta(p, 99, head));
    }

    @Test
    void frozenHeadTensorsGetOnlyTheDeltaBitForBit() {
        ParameterSet p = params(21);
        // ElasticZO shape: the mask trains the body (tensors 0, 1); the head (2, 3) is frozen for ZO, moved by delta
        UpdateMask body = new UpdateMask(List.of(TensorMask.dense(0), TensorMask.dense(1)));
        UpdateRecord r = headRecord(p, body, 0.999f, 2, 3);
        assertThat(r.formatVersion()).isEqualTo(3);
        ParameterSet before = p.copy();
        ParameterSet expected = reference(p, r);
        UpdateApplier.apply(p, r);
        assertSameBits(expected, p);
        float[] w1 = p.tensor(2);
        for (int e = 0; e < w1.length; e++) {
            // rank 3 but frozen by the mask: not decayed, exactly theta + delta
            assertThat(Float.floatToRawIntBits(w1[e]))
                    .isEqualTo(Float.floatToRawIntBits(before.tensor(2)[e] + r.headDelta().value(0, e)));
        }
    }

    @Test
    void withoutMaskTheHeadIsDecayedPerturbedAndThenGetsTheDelta() {
        ParameterSet p = params(22);
        UpdateRecord r = headRecord(p, null, 0.9f, 0, 3);
        ParameterSet expected = reference(p, r);
        UpdateApplier.apply(p, r);
        assertSameBits(expected, p);
        // the delta comes after the ZO terms: adding it first rounds differently somewhere
        ParameterSet deltaFirst = params(22);
        HeadDelta h = r.headDelta();
        float[] a = deltaFirst.tensor(0);
        for (int e = 0; e < a.length; e++) {
            a[e] = a[e] + h.value(0, e);
        }
        float[] b = deltaFirst.tensor(3);
        for (int e = 0; e < b.length; e++) {
            b[e] = b[e] + h.value(1, e);
        }
        UpdateApplier.apply(deltaFirst, new UpdateRecord(1, r.modelId(), r.baseSnapshotId(), r.step(), r.status(),
                r.decayFactor(), r.perturbations(), r.epsilon(), r.learningRate(), r.batchSize(), r.lineage(),
                r.trainerTimeMillis()));
        assertThat(deltaFirst.weightsSha256()).isNotEqualTo(p.weightsSha256());
    }

    @Test
    void withHeadDeltaSetsTheFormatVersion() {
        ParameterSet p = params(23);
        UpdateRecord dense = record(3, UpdateStatus.APPLIED, 1f, term(1, 0.1f));
        HeadDelta h = delta(p, 1, 3);
        assertThat(dense.withHeadDelta(h).formatVersion()).isEqualTo(3);
        assertThat(dense.withHeadDelta(h).withHeadDelta(null)).isEqualTo(dense);
        assertThat(UpdateRecord.formatVersionFor(null, null, null)).isEqualTo(1);
        assertThat(UpdateRecord.formatVersionFor(new UpdateMask(List.of(TensorMask.dense(0))), null, null))
                .isEqualTo(2);
        assertThat(UpdateRecord.formatVersionFor(new UpdateMask(List.of(TensorMask.dense(0))), null, h))
                .isEqualTo(3);
    }

    @Test
    void equalityComparesValuesAndTheRecordIsImmutable() {
        float[] v = {1f, -0f, 3e-9f};
        HeadDelta h = new HeadDelta(new int[] {2}, new float[][] {v});
        v[0] = 5f;
        assertThat(h.value(0, 0)).isEqualTo(1f);
        h.values()[0][1] = 7f;
        h.tensors()[0] = 9;
        assertThat(h).isEqualTo(new HeadDelta(new int[] {2}, new float[][] {{1f, -0f, 3e-9f}}));
        assertThat(h.hashCode()).isEqualTo(new HeadDelta(new int[] {2}, new float[][] {{1f, -0f, 3e-9f}}).hashCode());
        assertThat(h).isNotEqualTo(new HeadDelta(new int[] {2}, new float[][] {{1f, 0f, 3e-9f}}));
        assertThat(h.valueCount()).isEqualTo(3);
    }

    @Test
    void malformedDeltasAreRefusedWithTheOffendingValue() {
        assertThatThrownBy(() -> new HeadDelta(new int[] {3, 1}, new float[][] {{0f}, {0f}}))
                .isInstanceOf(InvalidUpdateRecordException.class).hasMessageContaining("strictly increasing")
                .hasMessageContaining("got 3 before 1");
        assertThatThrownBy(() -> new HeadDelta(new int[] {2, 2}, new float[][] {{0f}, {0f}}))
                .isInstanceOf(InvalidUpdateRecordException.class).hasMessageContaining("got 2 before 2");
        assertThatThrownBy(() -> new HeadDelta(new int[] {-1}, new float[][] {{0f}}))
                .isInstanceOf(InvalidUpdateRecordException.class).hasMessageContaining(">= 0, got -1");
        assertThatThrownBy(() -> new HeadDelta(new int[] {0, 1}, new float[][] {{0f}}))
                .isInstanceOf(InvalidUpdateRecordException.class).hasMessageContaining("2 tensor indices but 1");
        assertThatThrownBy(() -> new HeadDelta(new int[0], new float[0][]))
                .isInstanceOf(InvalidUpdateRecordException.class).hasMessageContaining("at least one tensor");
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> new HeadDelta(new int[] {4}, new float[][] {{0f, 1f, bad}}))
                    .isInstanceOf(InvalidUpdateRecordException.class)
                    .hasMessageContaining("head delta of tensor 4: element 2 is " + bad)
                    .hasMessageContaining("must be finite");
        }
    }

    @Test
    void deltasNotMatchingTheModelAreRefusedBeforeAnyWrite() {
        ParameterSet p = params(24);
        String before = p.weightsSha256();
        UpdateRecord ok = headRecord(p, null, 0.9f, 3);
        UpdateRecord outOfRange = ok.withHeadDelta(new HeadDelta(new int[] {4}, new float[][] {{1f}}));
        assertThatThrownBy(() -> UpdateApplier.apply(p, outOfRange)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 7: head delta names tensor 4 but the model has 4 tensors");
        UpdateRecord tooShort = ok.withHeadDelta(new HeadDelta(new int[] {1}, new float[][] {new float[170]}));
        assertThatThrownBy(() -> UpdateApplier.apply(p, tooShort)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("head delta of tensor 1 (b0) has 170 values but the tensor has 171 elements");
        // the first entry fits, the second does not: nothing at all is written
        UpdateRecord secondBad = ok.withHeadDelta(new HeadDelta(new int[] {1, 3},
                new float[][] {new float[171], new float[3]}));
        assertThatThrownBy(() -> UpdateApplier.apply(p, secondBad)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("tensor 3 (b1) has 3 values");
        assertThat(p.weightsSha256()).isEqualTo(before);
    }

    @Test
    void versionsMustMatchTheHeadDeltaAndSkippedStepsCarryNone() {
        ParameterSet p = params(25);
        String before = p.weightsSha256();
        UpdateRecord v3 = headRecord(p, null, 1f, 3);
        UpdateRecord asV2 = new UpdateRecord(2, v3.modelId(), v3.baseSnapshotId(), v3.step(), v3.status(),
                v3.decayFactor(), v3.perturbations(), v3.epsilon(), v3.learningRate(), v3.batchSize(), v3.lineage(),
                v3.trainerTimeMillis(), new UpdateMask(List.of(TensorMask.dense(0))), null, v3.headDelta());
        assertThatThrownBy(() -> UpdateApplier.apply(p, asV2)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("format version 2").hasMessageContaining("carries a head delta (must be 3)");
        UpdateRecord v3WithoutDelta = record(3, "model", 7, UpdateStatus.APPLIED, 1f, term(1, 0.1f));
        assertThatThrownBy(() -> UpdateApplier.apply(p, v3WithoutDelta))
                .isInstanceOf(InvalidUpdateRecordException.class).hasMessageContaining("must be 1");
        UpdateRecord skipped = record(7, UpdateStatus.SKIPPED_NON_FINITE, 1f).withHeadDelta(v3.headDelta());
        assertThatThrownBy(() -> UpdateApplier.apply(p, skipped)).isInstanceOf(InvalidUpdateRecordException.class)
                .hasMessageContaining("step 7 is SKIPPED_NON_FINITE but carries a head delta of 20001 values");
        assertThat(p.weightsSha256()).isEqualTo(before);
    }
}
