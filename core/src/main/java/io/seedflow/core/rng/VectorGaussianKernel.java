package io.seedflow.core.rng;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Philox4x32-10 and the Gaussian transform of {@link DeterministicGaussian} over several counter blocks at once with
 * the JDK Vector API. Every lane performs exactly the scalar sequence of IEEE-754 operations (fma, div and sqrt are
 * correctly rounded lane-wise), so the output bits equal the scalar ones; only throughput changes.
 *
 * <p>Only the preferred int and float species (the same shape as {@code VectorTileKernel}'s) are used: mixing
 * vector shapes of one element type in a JVM defeats the JIT's intrinsics and made every vector kernel 20x slower.
 * The 32x32->64-bit Philox products are therefore built from four exact 16x16-bit products in 32-bit lanes.
 */
final class VectorGaussianKernel {
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final int LANES = IS.length();

    private VectorGaussianKernel() {
    }

    static boolean usable() {
        return FS.length() == LANES;
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
     * to {@code out[o ..)} in element order. The blocks must not cross a multiple of 2^32 (the caller guarantees it).
     */
    static void blocks(int k0, int k1, int t, long firstBlock, float[] out, int o, Scratch s) {
        IntVector c0 = IntVector.broadcast(IS, (int) firstBlock).add(IntVector.zero(IS).addIndex(1));
        IntVector c1 = IntVector.broadcast(IS, (int) (firstBlock >>> 32));
        IntVector c2 = IntVector.broadcast(IS, t);
        IntVector c3 = IntVector.zero(IS);
        int ka = k0;
        int kb = k1;
        for (int round = 0; round < Philox4x32.ROUNDS; round++) {
            if (round > 0) {
                ka += Philox4x32.W0;
                kb += Philox4x32.W1;
            }
            IntVector lo0 = c0.mul(Philox4x32.M0);
            IntVector hi0 = mulHi(c0, Philox4x32.M0);
            IntVector lo1 = c2.mul(Philox4x32.M1);
            IntVector hi1 = mulHi(c2, Philox4x32.M1);
            IntVector n0 = hi1.lanewise(VectorOperators.XOR, c1).lanewise(VectorOperators.XOR, ka);
            IntVector n2 = hi0.lanewise(VectorOperators.XOR, c3).lanewise(VectorOperators.XOR, kb);
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
        }
        pair(c0, c1, s.n0, s.n1);
        pair(c2, c3, s.n2, s.n3);
        for (int j = 0; j < LANES; j++) {
            out[o + 4 * j] = s.n0[j];
            out[o + 4 * j + 1] = s.n1[j];
            out[o + 4 * j + 2] = s.n2[j];
            out[o + 4 * j + 3] = s.n3[j];
        }
    }

    /** High 32 bits of the unsigned 64-bit product c * m, from 16x16-bit partial products (each exact in 32 bits). */
    private static IntVector mulHi(IntVector c, int m) {
        int mLo = m & 0xffff;
        int mHi = m >>> 16;
        IntVector cLo = c.and(0xffff);
        IntVector cHi = c.lanewise(VectorOperators.LSHR, 16);
        IntVector ll = cLo.mul(mLo);
        IntVector lh = cHi.mul(mLo);
        IntVector hl = cLo.mul(mHi);
        IntVector hh = cHi.mul(mHi);
        IntVector mid = ll.lanewise(VectorOperators.LSHR, 16).add(lh.and(0xffff)).add(hl.and(0xffff));
        return hh.add(lh.lanewise(VectorOperators.LSHR, 16)).add(hl.lanewise(VectorOperators.LSHR, 16))
                .add(mid.lanewise(VectorOperators.LSHR, 16));
    }

    // No int<->float conversions below: JDK 17 does not intrinsify them all (F2I runs as slow Java code); exact
    // bit tricks and comparisons give the same values as the scalar code's conversions.

    /** (2k + 1) * 2^-24 with k = x >>> 9: 1 + k * 2^-23 built from bits, minus 1 (exact), plus 2^-24 (exact). */
    private static FloatVector uniform(IntVector x) {
        FloatVector oneToTwo = (FloatVector) x.lanewise(VectorOperators.LSHR, 9).or(0x3f800000).reinterpretAsFloats();
        return oneToTwo.sub(1.0f).add(DeterministicGaussian.TWO_POW_MINUS_24);
    }

    /** float(n) for 0 <= n < 2^23: the float 2^23 + n built from bits, minus 2^23 (exact). */
    private static FloatVector smallIntToFloat(IntVector n) {
        return ((FloatVector) n.or(0x4b000000).reinterpretAsFloats()).sub(8388608.0f);
    }

    private static FloatVector log(FloatVector u) {
        IntVector bits = (IntVector) u.reinterpretAsInts();
        FloatVector ef = smallIntToFloat(bits.lanewise(VectorOperators.LSHR, 23).and(0xff)).sub(127.0f);
        FloatVector m = (FloatVector) bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
        VectorMask<Float> big = m.compare(VectorOperators.GT, DeterministicGaussian.SQRT2);
        m = m.blend(m.mul(0.5f), big);
        ef = ef.blend(ef.add(1.0f), big);
        FloatVector f = m.sub(1.0f);
        FloatVector h = f.div(f.add(2.0f));
        FloatVector w = h.mul(h);
        FloatVector p = FloatVector.broadcast(FS, DeterministicGaussian.L5).fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L4));
        p = p.fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L3));
        p = p.fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L2));
        p = p.fma(w, FloatVector.broadcast(FS, DeterministicGaussian.L1));
        FloatVector v = w.mul(p);
        FloatVector lnm = h.fma(v, h.mul(2.0f));
        return ef.fma(FloatVector.broadcast(FS, DeterministicGaussian.LN2), lnm);
    }

    private static void pair(IntVector a, IntVector b, float[] outC, float[] outS) {
        FloatVector r = log(uniform(a)).mul(-2.0f).sqrt();
        FloatVector t = uniform(b).mul(4.0f);
        FloatVector zero = FloatVector.zero(FS);
        // q = floor(t) for t in (0, 4), as a float
        FloatVector q = zero.blend(1.0f, t.compare(VectorOperators.GE, 1.0f))
                .add(zero.blend(1.0f, t.compare(VectorOperators.GE, 2.0f)))
                .add(zero.blend(1.0f, t.compare(VectorOperators.GE, 3.0f)));
        FloatVector x = t.sub(q);
        VectorMask<Float> wrap = x.compare(VectorOperators.GT, 0.5f);
        x = x.blend(x.sub(1.0f), wrap);
        q = q.blend(q.add(1.0f), wrap);
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
        // quadrant q mod 4 with q in {0, ..., 4}: 4 behaves as 0
        VectorMask<Float> q1 = q.compare(VectorOperators.EQ, 1.0f);
        VectorMask<Float> q2 = q.compare(VectorOperators.EQ, 2.0f);
        VectorMask<Float> q3 = q.compare(VectorOperators.EQ, 3.0f);
        FloatVector c = cos.blend(sin.neg(), q1).blend(cos.neg(), q2).blend(sin, q3);
        FloatVector sn = sin.blend(cos, q1).blend(sin.neg(), q2).blend(cos.neg(), q3);
        r.mul(c).intoArray(outC, 0);
        r.mul(sn).intoArray(outS, 0);
    }
}
