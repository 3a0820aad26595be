package io.seedflow.bench;

import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.ParameterSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 * The update pass over {@value #PARAMS} parameters ({@value #SPEC}). Score: nanoseconds per parameter (one operation
 * = one parameter updated). {@code apply} is {@link UpdateApplier#apply} of a one-term record (z regenerated from
 * the seed, chunks in parallel on the common pool, as trainer and replicas do it); {@code axpy} and
 * {@code axpyParallel} do only theta = fma(-c, z, theta) with z generated once in setup: the memory-only lower
 * bound, on one thread and on the common pool.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class UpdateBench {
    static final String SPEC = "mlp:784x1024x128x10:relu";
    /** Parameter count of {@link #SPEC}: 784*1024+1024 + 1024*128+128 + 128*10+10 (checked in setup). */
    static final int PARAMS = 936_330;
    static final int CHUNK = 1 << 14;
    static final float COEFFICIENT = 1e-6f;

    private ParameterSet params;
    private UpdateRecord record;
    private float[][] z;

    @Setup
    public void setup() {
        Mlp mlp = new Mlp(MlpSpec.parse(SPEC));
        params = mlp.initialize(7L);
        if (params.parameterCount() != PARAMS) {
            throw new IllegalStateException(SPEC + " has " + params.parameterCount() + " parameters, not " + PARAMS);
        }
        long seed = 0x1234_5678_9ABCL;
        record = new UpdateRecord(UpdateRecord.FORMAT_VERSION, "bench", "bench-base", 1L, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(seed, COEFFICIENT, 1f, 0f, 0f)), 1e-3f, 1e-6f, 64, List.of(), 0L);
        z = new float[params.size()][];
        for (int t = 0; t < params.size(); t++) {
            z[t] = new float[params.tensor(t).length];
            PerturbationGenerator.fill(seed, t, 0L, z[t], 0, z[t].length);
        }
    }

    @Benchmark
    @OperationsPerInvocation(PARAMS)
    public void apply(Blackhole bh) {
        UpdateApplier.apply(params, record);
        bh.consume(params);
    }

    @Benchmark
    @OperationsPerInvocation(PARAMS)
    public void axpy(Blackhole bh) {
        float negC = -COEFFICIENT;
        for (int t = 0; t < params.size(); t++) {
            float[] theta = params.tensor(t);
            float[] zt = z[t];
            for (int i = 0; i < theta.length; i++) {
                theta[i] = Math.fma(negC, zt[i], theta[i]);
            }
        }
        bh.consume(params);
    }

    @Benchmark
    @OperationsPerInvocation(PARAMS)
    public void axpyParallel(Blackhole bh) {
        float negC = -COEFFICIENT;
        for (int t = 0; t < params.size(); t++) {
            float[] theta = params.tensor(t);
            float[] zt = z[t];
            int chunks = (theta.length + CHUNK - 1) / CHUNK;
            IntStream range = IntStream.range(0, chunks);
            (chunks > 1 ? range.parallel() : range).forEach(ch -> {
                int end = Math.min(theta.length, (ch + 1) * CHUNK);
                for (int i = ch * CHUNK; i < end; i++) {
                    theta[i] = Math.fma(negC, zt[i], theta[i]);
                }
            });
        }
        bh.consume(params);
    }
}
