package io.seedflow.core.rng;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Philox4x32-10 and the Gaussian transform of {@link DeterministicGaussian} over several counter blocks at once with
 * the JDK Vector API. Every lane performs exactly the scalar sequence of IEEE-754 operations (fma, div and sqrt are
 * correctly rounded lane-wise), so the output bits equal the scalar ones; only throughput changes. Philox runs in
 * 64-bit lanes holding 32-bit words so that the 32x32->64 products are exact.
 */
final class VectorGaussianKernel {
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    static final int LANES = LS.length();
    private static final VectorSpecies<Integer> IS =
            VectorSpecies.of(int.class, VectorShape.forBitSize(LS.vectorBitSize() / 2));
    private static final VectorSpecies<Float> FS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(LS.vectorBitSize() / 2));
    private static final long MASK32 = 0xFFFFFFFFL;

    private VectorGaussianKernel() {
    }

    /** Scratch for one call: four lanes' normals before interleaving. */
    static final class Scratch {
        final float[] n0 = new float[LANES];
        final float[] n1 = new float[LANES];
        final float[] n2 = new float[LANES];
        final float[] n3 = new float[LANES];
    }

    /**
     * Writes the 4 * LANES normals of blocks [firstBlock, firstBlock + LANES) of tensor {@code t} under key (k0, k1)
     * to {@code out[o ..)} in element order.
     */
    static void blocks(int k0, int k1, int t, long firstBlock, float[] out, int o, Scratch s) {
        LongVector block = LongVector.broadcast(LS, firstBlock).add(LongVector.zero(LS).addIndex(1));
        LongVector c0 = block.and(MASK32);
        LongVector c1 = block.lanewise(VectorOperators.LSHR, 32);
        LongVector c2 = LongVector.broadcast(LS, t & MASK32);
        LongVector c3 = LongVector.zero(LS);
        long ka = k0 & MASK32;
        long kb = k1 & MASK32;
        for (int round = 0; round < Philox4x32.ROUNDS; round++) {
            if (round > 0) {
                ka = (ka + (Philox4x32.W0 & MASK32)) & MASK32;
                kb = (kb + (Philox4x32.W1 & MASK32)) & MASK32;
            }
            LongVector p0 = c0.mul(Philox4x32.M0 & MASK32);
            LongVector p1 = c2.mul(Philox4x32.M1 & MASK32);
            LongVector n0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c1).lanewise(VectorOperators.XOR, ka);
            LongVector n1 = p1.and(MASK32);
            LongVector n2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c3).lanewise(VectorOperators.XOR, kb);
            LongVector n3 = p0.and(MASK32);
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        pair(toInts(c0), toInts(c1), s.n0, s.n1);
        pair(toInts(c2), toInts(c3), s.n2, s.n3);
        for (int j = 0; j < LANES; j++) {
            out[o + 4 * j] = s.n0[j];
            out[o + 4 * j + 1] = s.n1[j];
            out[o + 4 * j + 2] = s.n2[j];
            out[o + 4 * j + 3] = s.n3[j];
        }
    }

    private static IntVector toInts(LongVector v) {
        return (IntVector) v.convertShape(VectorOperators.L2I, IS, 0);
    }

    private static FloatVector uniform(IntVector x) {
        IntVector k = x.lanewise(VectorOperators.LSHR, 9).mul(2).add(1);
        return ((FloatVector) k.convert(VectorOperators.I2F, 0)).mul(DeterministicGaussian.TWO_POW_MINUS_24);
    }

    private static FloatVector log(FloatVector u) {
        IntVector bits = (IntVector) u.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(127);
        FloatVector m = (FloatVector) bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
        VectorMask<Float> big = m.compare(VectorOperators.GT, DeterministicGaussian.SQRT2);
        m = m.blend(m.mul(0.5f), big);
        e = e.blend(e.add(1), big.cast(IS));
        FloatVector f = m.sub(1.0f);
        FloatVector s = f.div(f.add(2.0f));
        FloatVector w = s.mul(s);
        FloatVector p = FloatVector.broadcast(FS, DeterministicGaussian.L5).fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L4));
        p = p.fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L3));
        p = p.fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L2));
        p = p.fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L1));
        FloatVector t = w.mul(p);
        FloatVector lnm = s.fma(t, s.mul(2.0f));
        FloatVector ef = (FloatVector) e.convert(VectorOperators.I2F, 0);
        return ef.fma(FloatVector.broadcast(FS, DeterministicGaussian.LN2), lnm);
    }

    private static void pair(IntVector a, IntVector b, float[] outC, float[] outS) {
        FloatVector r = log(uniform(a)).mul(-2.0f).sqrt();
        FloatVector t = uniform(b).mul(4.0f);
        IntVector q = (IntVector) t.convert(VectorOperators.F2I, 0);
        FloatVector x = t.sub((FloatVector) q.convert(VectorOperators.I2F, 0));
        VectorMask<Float> wrap = x.compare(VectorOperators.GT, 0.5f);
        x = x.blend(x.sub(1.0f), wrap);
        q = q.blend(q.add(1), wrap.cast(IS));
        FloatVector x2 = x.mul(x);
        FloatVector sp = FloatVector.broadcast(FS, DeterministicGaussian.S9).fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.S7));
        sp = sp.fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.S5));
        sp = sp.fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.S3));
        sp = sp.fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.S1));
        FloatVector sin = x.mul(sp);
        FloatVector cp = FloatVector.broadcast(FS, DeterministicGaussian.C10).fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.C8));
        cp = cp.fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.C6));
        cp = cp.fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.C4));
        cp = cp.fma(x2, FloatVector.broadcast(FS, DeterministicGaussian.C2));
        FloatVector cos = cp.fma(x2, FloatVector.broadcast(FS, 1.0f));
        IntVector quadrant = q.and(3);
        VectorMask<Float> q1 = quadrant.compare(VectorOperators.EQ, 1).cast(FS);
        VectorMask<Float> q2 = quadrant.compare(VectorOperators.EQ, 2).cast(FS);
        VectorMask<Float> q3 = quadrant.compare(VectorOperators.EQ, 3).cast(FS);
        FloatVector c = cos.blend(sin.neg(), q1).blend(cos.neg(), q2).blend(sin, q3);
        FloatVector sn = sin.blend(cos, q1).blend(sin.neg(), q2).blend(cos.neg(), q3);
        r.mul(c).intoArray(outC, 0);
        r.mul(sn).intoArray(outS, 0);
    }
}
