package io.seedflow.bench;

import io.seedflow.core.rng.PerturbationGenerator;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Gaussian generation throughput over a 2^16-float buffer, single thread. Score: values per second (one operation =
 * one generated float). {@code philox} is SeedFlow's bit-reproducible perturbation generator (Philox4x32-10 +
 * deterministic Gaussian); the other two are non-reproducible JDK baselines for comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GaussianBench {
    static final int N = 1 << 16;

    private final float[] buf = new float[N];
    private long seed;
    private SplittableRandom splittable;

    @Setup
    public void setup() {
        seed = 0x5EEDF10L;
        splittable = new SplittableRandom(42);
    }

    /** PerturbationGenerator.fill over the whole buffer; a new seed per call so nothing can be hoisted. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void philox(Blackhole bh) {
        PerturbationGenerator.fill(seed++, 0, 0L, buf, 0, N);
        bh.consume(buf);
    }

    /** Box-Muller on SplittableRandom doubles with Math.log/sqrt/cos/sin (two values per pair of uniforms). */
    @Benchmark
    @OperationsPerInvocation(N)
    public void splittableBoxMuller(Blackhole bh) {
        SplittableRandom r = splittable;
        float[] out = buf;
        for (int i = 0; i < N; i += 2) {
            double u1 = 1.0 - r.nextDouble(); // (0, 1]: log never sees 0
            double u2 = r.nextDouble();
            double rad = Math.sqrt(-2.0 * Math.log(u1));
            double theta = 2.0 * Math.PI * u2;
            out[i] = (float) (rad * Math.cos(theta));
            out[i + 1] = (float) (rad * Math.sin(theta));
        }
        bh.consume(out);
    }

    /** ThreadLocalRandom.nextGaussian, one call per value. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void threadLocalRandomNextGaussian(Blackhole bh) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        float[] out = buf;
        for (int i = 0; i < N; i++) {
            out[i] = (float) r.nextGaussian();
        }
        bh.consume(out);
    }
}
