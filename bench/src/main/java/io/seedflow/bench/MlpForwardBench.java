package io.seedflow.bench;

import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.tensor.ParameterSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Plain forward ({@link Mlp#logits}) of a Fashion-MNIST-shaped MLP on random normalized inputs. Score: samples per
 * second (one operation = one example). The batch size is in the method name ({@code logitsB64}, {@code logitsB256})
 * because {@code @OperationsPerInvocation} must be a constant.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MlpForwardBench {
    @Param({"mlp:784x64x10:relu", "mlp:784x256x256x10:relu"})
    public String model;

    private ParameterSet params;
    private Mlp mlp64;
    private Mlp mlp256;
    private Batch batch64;
    private Batch batch256;

    @Setup
    public void setup() {
        MlpSpec spec = MlpSpec.parse(model);
        mlp64 = new Mlp(spec);
        mlp256 = new Mlp(spec);
        params = mlp64.initialize(11L);
        batch64 = BenchData.randomBatch(64, spec.inputs(), spec.classes(), 1L);
        batch256 = BenchData.randomBatch(256, spec.inputs(), spec.classes(), 2L);
    }

    @Benchmark
    @OperationsPerInvocation(64)
    public void logitsB64(Blackhole bh) {
        bh.consume(mlp64.logits(params, batch64));
    }

    @Benchmark
    @OperationsPerInvocation(256)
    public void logitsB256(Blackhole bh) {
        bh.consume(mlp256.logits(params, batch256));
    }
}
