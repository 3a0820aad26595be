package io.seedflow.bench;

import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Where the time of one ZO step goes, for one model and batch size B. Score: microseconds per call.
 * <ul>
 * <li>{@code zoStep}: one {@link ZoSgdTrainer#step} (q = 1, constant lr 1e-7 so the weights barely move) on the CPU
 * backend: fused paired forward + update.</li>
 * <li>{@code forward}: one {@link Mlp#logits} at batch B; {@code forward2x}: one at batch 2B (the unfused cost of
 * the two passes of a step).</li>
 * <li>{@code pairedForward}: one {@link Mlp#perturbedLossSums}, the fused L(theta + eps z), L(theta - eps z) pass.</li>
 * <li>{@code applyUpdate}: one {@link UpdateApplier#apply} of a step's record.</li>
 * </ul>
 * Ideal: zoStep = 2 x forward, i.e. a ZO step costs no more than two inferences.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ZoStepBench {
    @Param({"mlp:784x64x10:relu", "mlp:784x256x256x10:relu"})
    public String model;

    @Param({"64", "256"})
    public int batch;

    static final float EPSILON = 1e-3f;

    private ParameterSet params;
    private ZoSgdTrainer trainer;
    private Mlp mlp;
    private Mlp mlp2x;
    private Batch batchB;
    private Batch batch2B;
    private List<Lineage> lineage;
    private UpdateRecord record;
    private long seed;

    @Setup
    public void setup() {
        MlpSpec spec = MlpSpec.parse(model);
        mlp = new Mlp(spec);
        mlp2x = new Mlp(spec);
        params = mlp.initialize(13L);
        batchB = BenchData.randomBatch(batch, spec.inputs(), spec.classes(), 3L);
        batch2B = BenchData.randomBatch(2 * batch, spec.inputs(), spec.classes(), 4L);
        lineage = List.of(new Lineage("bench", 0, 0, batch));
        ZoOptions options = ZoOptions.builder().learningRate(1e-7).epsilon(EPSILON).perturbations(1).runSeed(42L)
                .build();
        trainer = new ZoSgdTrainer(new CpuBackend(spec), params, options, "bench", "bench-base", 0L);
        record = trainer.step(batchB, lineage);
        if (record.status() != UpdateStatus.APPLIED) {
            throw new IllegalStateException("setup step was not applied: " + record.status());
        }
        seed = 0x0BADC0FFEEL;
    }

    @Benchmark
    public UpdateRecord zoStep() {
        return trainer.step(batchB, lineage);
    }

    @Benchmark
    public void forward(Blackhole bh) {
        bh.consume(mlp.logits(params, batchB));
    }

    @Benchmark
    public void forward2x(Blackhole bh) {
        bh.consume(mlp2x.logits(params, batch2B));
    }

    @Benchmark
    public Object pairedForward() {
        return mlp.perturbedLossSums(params, batchB, seed++, EPSILON, null);
    }

    @Benchmark
    public void applyUpdate(Blackhole bh) {
        UpdateApplier.apply(params, record);
        bh.consume(params);
    }
}
