package io.seedflow.gpu;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxDestroy;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import io.seedflow.core.compute.ComputeBackend;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateApplier;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.rng.Philox4x32;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;

/**
 * The GPU backend: the MLP's weights live on the device; a ZO step's two perturbed forward passes run layer by layer
 * in one sweep over each weight matrix ({@code paired_dense}: z generated where the tile is loaded, no perturbed copy),
 * and updates are applied on the device by {@code apply_update}, which gives the bits of core's
 * {@link UpdateApplier}. The host {@link ParameterSet} stays the source of truth for snapshots, evaluation and
 * replicas: every record is also applied to it by {@link UpdateApplier} (for subspace corrections and head deltas
 * only there, after which the device copy is refreshed), and {@link #deviceWeightsSha256()} checks the two copies
 * against each other. One instance per model and thread.
 */
public final class JCudaBackend implements ComputeBackend {
    private static final int TILE_O = 16;
    private static final int TILE_N = 32;

    private final MlpSpec spec;
    private final CUcontext context = new CUcontext();
    private final GpuKernels kernels;
    private final String deviceName;
    private final CUdeviceptr[] weights;
    private ParameterSet mirrored;
    private int bufferBatch = -1;
    private final List<CUdeviceptr> activations = new ArrayList<>();
    private CUdeviceptr input;
    private CUdeviceptr labels;
    private CUdeviceptr lossPlus;
    private CUdeviceptr lossMinus;
    private CUdeviceptr scratchSeeds;
    private CUdeviceptr scratchCoeffs;
    private int scratchTerms;
    private long peakUsedBytes;

    public JCudaBackend(MlpSpec spec, int deviceIndex) {
        this.spec = spec;
        CUdevice device = new CUdevice();
        cuDeviceGet(device, deviceIndex);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        this.deviceName = new String(name).trim();
        cuCtxCreate(context, 0, device);
        this.kernels = new GpuKernels();
        this.weights = new CUdeviceptr[spec.tensorSpecs().size()];
        for (int t = 0; t < weights.length; t++) {
            weights[t] = alloc(spec.tensorSpecs().get(t).elementCount());
        }
        notePeak();
    }

    @Override
    public MlpSpec spec() {
        return spec;
    }

    @Override
    public String name() {
        return "gpu:" + deviceName;
    }

    public String deviceName() {
        return deviceName;
    }

    @Override
    public LossSums perturbedLossSums(ParameterSet params, Batch batch, long seed, float epsilon, UpdateMask mask) {
        forward(params, batch, seed, epsilon, mask, true);
        return new LossSums(lossSum(lossPlus, batch.size()), lossSum(lossMinus, batch.size()), batch.size());
    }

    @Override
    public double lossSum(ParameterSet params, Batch batch) {
        forward(params, batch, 0L, 0f, null, false);
        return lossSum(lossPlus, batch.size());
    }

    private void forward(ParameterSet params, Batch batch, long seed, float eps, UpdateMask mask, boolean perturb) {
        cuCtxSetCurrent(context);
        ensureMirrored(params);
        int n = batch.size();
        ensureBuffers(n);
        cuMemcpyHtoD(input, Pointer.to(batch.features()), (long) n * spec.inputs() * Sizeof.FLOAT);
        cuMemcpyHtoD(labels, Pointer.to(batch.labels()), (long) n * Sizeof.INT);
        CUdeviceptr xp = input;
        CUdeviceptr xm = input;
        for (int l = 0; l < spec.layerCount(); l++) {
            int in = spec.width(l);
            int out = spec.width(l + 1);
            CUdeviceptr yp = activations.get(2 * l);
            CUdeviceptr ym = activations.get(2 * l + 1);
            TensorMask wm = UpdateMask.of(mask, 2 * l);
            TensorMask bm = UpdateMask.of(mask, 2 * l + 1);
            TensorMask rule = wm == null ? TensorMask.dense(2 * l) : wm;
            launch(kernels.pairedDense, (n + TILE_N - 1) / TILE_N, (out + TILE_O - 1) / TILE_O, TILE_N, TILE_O,
                    weights[2 * l], weights[2 * l + 1], in, out, n, xp, xm, yp, ym, Philox4x32.lo(seed),
                    Philox4x32.hi(seed), 2 * l, 2 * l + 1, eps, perturb ? 1 : 0,
                    l < spec.layerCount() - 1 ? 1 : 0, wm == null ? 1 : 0, bm == null ? 1 : 0, rule.maxMagnitude(),
                    Philox4x32.lo(rule.keepSeed()), Philox4x32.hi(rule.keepSeed()), rule.keepLimit(),
                    rule.keepFraction() < 1f ? 1 : 0);
            xp = yp;
            xm = ym;
        }
        int classes = spec.classes();
        launch(kernels.softmaxXent, (n + 127) / 128, 1, 128, 1, xp, labels, n, classes, lossPlus);
        if (perturb) {
            launch(kernels.softmaxXent, (n + 127) / 128, 1, 128, 1, xm, labels, n, classes, lossMinus);
        }
        cuCtxSynchronize();
        notePeak();
    }

    /** The per-example losses summed on the host in example order (as the CPU backend sums them). */
    private double lossSum(CUdeviceptr losses, int n) {
        double[] host = new double[n];
        cuMemcpyDtoH(Pointer.to(host), losses, (long) n * Sizeof.DOUBLE);
        double sum = 0;
        for (double v : host) {
            sum += v;
        }
        return sum;
    }

    @Override
    public void applyUpdate(ParameterSet params, UpdateRecord record) {
        cuCtxSetCurrent(context);
        ensureMirrored(params);
        UpdateApplier.apply(params, record); // the host copy: snapshots, evaluation, replicas
        if (record.status() == UpdateStatus.SKIPPED_NON_FINITE) {
            return;
        }
        if (record.subspace() != null || record.headDelta() != null) {
            uploadAll(params); // corrections and head deltas are applied on the host only; refresh the device copy
            return;
        }
        List<PerturbationTerm> terms = record.perturbations();
        int q = terms.size();
        ensureTermScratch(q);
        int[] seeds = new int[Math.max(2, 2 * q)];
        float[] coeffs = new float[Math.max(1, q)];
        for (int k = 0; k < q; k++) {
            seeds[2 * k] = Philox4x32.lo(terms.get(k).seed());
            seeds[2 * k + 1] = Philox4x32.hi(terms.get(k).seed());
            coeffs[k] = terms.get(k).coefficient();
        }
        if (q > 0) {
            cuMemcpyHtoD(scratchSeeds, Pointer.to(seeds), 2L * q * Sizeof.INT);
            cuMemcpyHtoD(scratchCoeffs, Pointer.to(coeffs), (long) q * Sizeof.FLOAT);
        }
        float d = record.decayFactor();
        for (int t = 0; t < weights.length; t++) {
            TensorMask m = UpdateMask.of(record.mask(), t);
            if (m == null) {
                continue;
            }
            int n = (int) spec.tensorSpecs().get(t).elementCount();
            boolean decay = d != 1f && spec.tensorSpecs().get(t).rank() >= 2;
            launch(kernels.applyUpdate, (n + 255) / 256, 1, 256, 1, weights[t], n, t, d, decay ? 1 : 0,
                    scratchSeeds, scratchCoeffs, q, m.maxMagnitude(), Philox4x32.lo(m.keepSeed()),
                    Philox4x32.hi(m.keepSeed()), m.keepLimit(), m.keepFraction() < 1f ? 1 : 0);
        }
        cuCtxSynchronize();
    }

    /** SHA-256 of the device's weights in the layout of {@link ParameterSet#weightsSha256()}. */
    public String deviceWeightsSha256() {
        cuCtxSetCurrent(context);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int t = 0; t < weights.length; t++) {
                float[] host = download(t);
                ByteBuffer b = ByteBuffer.allocate(host.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(host);
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tensor {@code t} as the device holds it. */
    public float[] download(int t) {
        float[] host = new float[(int) spec.tensorSpecs().get(t).elementCount()];
        cuMemcpyDtoH(Pointer.to(host), weights[t], (long) host.length * Sizeof.FLOAT);
        return host;
    }

    /** z(seed, tensor, from ..) generated on the device (for the golden-vector check). */
    public float[] gaussian(long seed, int tensor, long from, int n) {
        cuCtxSetCurrent(context);
        CUdeviceptr out = alloc(n);
        try {
            launch(kernels.gaussianFill, (n + 255) / 256, 1, 256, 1, Philox4x32.lo(seed), Philox4x32.hi(seed), tensor,
                    from, n, out);
            cuCtxSynchronize();
            float[] host = new float[n];
            cuMemcpyDtoH(Pointer.to(host), out, (long) n * Sizeof.FLOAT);
            return host;
        } finally {
            cuMemFree(out);
        }
    }

    /** Largest device memory in use (whole device, as cuMemGetInfo reports) seen after a pass. */
    public long peakUsedBytes() {
        return peakUsedBytes;
    }

    private void notePeak() {
        long[] free = new long[1];
        long[] total = new long[1];
        cuMemGetInfo(free, total);
        peakUsedBytes = Math.max(peakUsedBytes, total[0] - free[0]);
    }

    private void ensureMirrored(ParameterSet params) {
        if (params != mirrored) {
            uploadAll(params);
            mirrored = params;
        }
    }

    private void uploadAll(ParameterSet params) {
        for (int t = 0; t < weights.length; t++) {
            float[] host = params.tensor(t);
            cuMemcpyHtoD(weights[t], Pointer.to(host), (long) host.length * Sizeof.FLOAT);
        }
    }

    private void ensureBuffers(int n) {
        if (n == bufferBatch) {
            return;
        }
        freeBuffers();
        input = alloc((long) n * spec.inputs());
        labels = alloc(n);
        lossPlus = alloc(2L * n); // doubles
        lossMinus = alloc(2L * n);
        for (int l = 0; l < spec.layerCount(); l++) {
            activations.add(alloc((long) n * spec.width(l + 1)));
            activations.add(alloc((long) n * spec.width(l + 1)));
        }
        bufferBatch = n;
    }

    private void ensureTermScratch(int q) {
        if (q <= scratchTerms) {
            return;
        }
        if (scratchSeeds != null) {
            cuMemFree(scratchSeeds);
            cuMemFree(scratchCoeffs);
        }
        scratchSeeds = alloc(2L * q);
        scratchCoeffs = alloc(q);
        scratchTerms = q;
    }

    private void freeBuffers() {
        for (CUdeviceptr p : activations) {
            cuMemFree(p);
        }
        activations.clear();
        for (CUdeviceptr p : new CUdeviceptr[] {input, labels, lossPlus, lossMinus}) {
            if (p != null) {
                cuMemFree(p);
            }
        }
        bufferBatch = -1;
    }

    /** Device buffer of {@code count} 4-byte elements. */
    private static CUdeviceptr alloc(long count) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(4, count * 4));
        return p;
    }

    private static void launch(CUfunction f, int gridX, int gridY, int blockX, int blockY, Object... args) {
        Pointer[] ps = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof CUdeviceptr p) {
                ps[i] = Pointer.to(p);
            } else if (a instanceof Integer v) {
                ps[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Float v) {
                ps[i] = Pointer.to(new float[] {v});
            } else if (a instanceof Long v) {
                ps[i] = Pointer.to(new long[] {v});
            } else {
                throw new IllegalArgumentException("kernel argument " + i + " of type " + a.getClass());
            }
        }
        cuLaunchKernel(f, gridX, gridY, 1, blockX, blockY, 1, 0, null, Pointer.to(ps), null);
    }

    @Override
    public void close() {
        cuCtxSetCurrent(context);
        freeBuffers();
        for (CUdeviceptr w : weights) {
            cuMemFree(w);
        }
        if (scratchSeeds != null) {
            cuMemFree(scratchSeeds);
            cuMemFree(scratchCoeffs);
        }
        cuCtxDestroy(context);
    }
}
