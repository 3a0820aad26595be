package io.seedflow.gpu.check;

import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.gpu.JCudaBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The GPU acceptance checks against core's CPU reference, usable from the JUnit tests (skipped without a GPU) and
 * from {@link GpuMain} on a GPU host that has no Maven. Each check throws {@link AssertionError} with the first
 * mismatch and returns a one-line summary.
 */
public final class GpuChecks {
    /**
     * Relative tolerance of a loss vs the CPU. The layers are the same fma chains (the logits are the same bits, as the
     * host emulation of the kernels shows to 1e-12) and the per-example loss is computed in double on both sides; only
     * the last bits of the device's exp/log may differ from Java's: 1e-9 leaves three orders of magnitude.
     */
    public static final double LOSS_TOLERANCE = 1e-9;

    private GpuChecks() {
    }

    /** Random batch with a learnable signal, row-major features. */
    public static Batch batch(MlpSpec spec, long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * spec.inputs()];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(spec.classes());
            for (int f = 0; f < spec.inputs(); f++) {
                x[i * spec.inputs() + f] = (float) rnd.nextGaussian() + (f % spec.classes() == y[i] ? 1f : 0f);
            }
        }
        return new Batch(x, y, n, spec.inputs());
    }

    /** Every row of the golden CSV (seed,tensor,element,float_bits_hex,value) generated on the device. */
    public static String goldenGaussian(JCudaBackend gpu, Path csv) {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + csv, e);
        }
        int checked = 0;
        for (String line : lines) {
            if (line.startsWith("#") || line.startsWith("seed") || line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            float z = gpu.gaussian(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]), 1)[0];
            int expected = Integer.parseUnsignedInt(f[3].replaceFirst("^0x", ""), 16);
            if (Float.floatToRawIntBits(z) != expected) {
                throw new AssertionError("golden z mismatch for " + line + ": device gave "
                        + Integer.toHexString(Float.floatToRawIntBits(z)));
            }
            checked++;
        }
        if (checked < 100) {
            throw new AssertionError("only " + checked + " golden rows in " + csv);
        }
        return checked + " golden Gaussian values bit-identical on the device";
    }

    /** Paired losses, plain and masked, at several batch sizes, vs the CPU backend. */
    public static String lossParity(JCudaBackend gpu, MlpSpec spec) {
        ParameterSet params = new Mlp(spec).initialize(3);
        UpdateMask mask = new UpdateMask(List.of(TensorMask.magnitude(0, 0.02f), TensorMask.dense(1),
                TensorMask.random(2, 9L, 0.5f), TensorMask.dense(3)));
        double worst = 0;
        try (CpuBackend cpu = new CpuBackend(spec)) {
            for (UpdateMask m : new UpdateMask[] {null, mask}) {
                for (int n : new int[] {1, 33, 256}) {
                    Batch b = batch(spec, n, n);
                    LossSums c = cpu.perturbedLossSums(params, b, 77L, 1e-3f, m);
                    LossSums g = gpu.perturbedLossSums(params, b, 77L, 1e-3f, m);
                    worst = Math.max(worst, Math.max(Math.abs(g.plus() - c.plus()) / Math.abs(c.plus()),
                            Math.abs(g.minus() - c.minus()) / Math.abs(c.minus())));
                    if (worst > LOSS_TOLERANCE) {
                        throw new AssertionError(String.format(Locale.ROOT, "batch %d mask %s: GPU %s vs CPU %s", n,
                                m != null, g, c));
                    }
                }
            }
        }
        return String.format(Locale.ROOT, "paired losses within %.1e relative of the CPU (worst %.2e)",
                LOSS_TOLERANCE, worst);
    }

    /** {@code steps} ZO steps (q = 2, decay, random mask) on the GPU; device weights must equal a CPU replica's. */
    public static String thousandStepsBitExact(JCudaBackend gpu, MlpSpec spec, int steps) {
        ParameterSet initial = new Mlp(spec).initialize(4);
        ZoOptions options = ZoOptions.builder().learningRate(5e-4).perturbations(2).weightDecay(1e-3).runSeed(5)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.RANDOM, 0.5, 100, List.of())).build();
        // not closed here: the caller owns the GPU backend
        TrainingSession trainer = TrainingSession.resume("gpu", spec, options, initial.copy(), "base", 0, s -> gpu);
        Replica replica = new Replica("gpu", initial.copy(), 0);
        for (long step = 1; step <= steps; step++) {
            UpdateRecord r = trainer.step(batch(spec, step, 64), List.of(new Lineage("t", 0, step * 64, step * 64 + 64)));
            replica.apply(r);
        }
        String cpu = replica.parameters().weightsSha256();
        String device = gpu.deviceWeightsSha256();
        if (!device.equals(cpu)) {
            throw new AssertionError("after " + steps + " GPU steps the device weights " + device
                    + " differ from the CPU replica's " + cpu);
        }
        return steps + " GPU-trained steps: device weights = CPU replica = " + cpu;
    }
}
