// SeedFlow GPU kernels. Compiled to PTX by gpu-ops/build-ptx.sh (nvcc -arch=sm_90 --ptx -fmad=false); the PTX is a
// classpath resource loaded through the driver API (cuModuleLoadData), so no NVRTC or cuBLAS is needed at run time.
//
// Bit-exactness: the Gaussian (docs/update-log-spec.md §3.3) and the update rule (§5, §6.2) use only explicitly
// rounded intrinsics (__fmaf_rn, __fmul_rn, __fadd_rn, __fsub_rn, __fdiv_rn, __fsqrt_rn) and -fmad=false, so they give
// the bits of core's Java implementation. The forward passes are deterministic (every output is one fma chain in
// input order) but use expf/logf in the loss: losses match the CPU within a tolerance, not bit for bit.

#include <stdint.h>

#define M0 0xD2511F53u
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u
#define W1 0xBB67AE85u

__device__ __forceinline__ uint4 philox4x32_10(uint4 c, uint32_t k0, uint32_t k1) {
    #pragma unroll
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k0 += W0; k1 += W1; }
        uint32_t hi0 = __umulhi(M0, c.x);
        uint32_t lo0 = M0 * c.x;
        uint32_t hi1 = __umulhi(M1, c.z);
        uint32_t lo1 = M1 * c.z;
        c = make_uint4(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
    }
    return c;
}

__device__ __forceinline__ float bits_f(uint32_t b) { return __uint_as_float(b); }

__device__ __forceinline__ float uniform01(uint32_t word) {
    // (2 * (x >>> 9) + 1) * 2^-24: exact
    return __fmul_rn((float) (2u * (word >> 9) + 1u), 5.9604644775390625e-8f);
}

__device__ __forceinline__ float det_log(float u) {
    uint32_t bits = __float_as_uint(u);
    int e = (int) ((bits >> 23) & 0xffu) - 127;
    float m = bits_f((bits & 0x007fffffu) | 0x3f800000u);
    if (m > bits_f(0x3fb504f3u)) { m = __fmul_rn(m, 0.5f); e = e + 1; }
    float f = __fsub_rn(m, 1.0f);
    float s = __fdiv_rn(f, __fadd_rn(2.0f, f));
    float w = __fmul_rn(s, s);
    float p = __fmaf_rn(bits_f(0x3e3a2e8cu), w, bits_f(0x3e638e39u));
    p = __fmaf_rn(p, w, bits_f(0x3e924925u));
    p = __fmaf_rn(p, w, bits_f(0x3ecccccdu));
    p = __fmaf_rn(p, w, bits_f(0x3f2aaaabu));
    float t = __fmul_rn(w, p);
    float lnm = __fmaf_rn(s, t, __fmul_rn(2.0f, s));
    return __fmaf_rn((float) e, bits_f(0x3f317218u), lnm);
}

__device__ __forceinline__ void gaussian_pair(uint32_t a, uint32_t b, float *n0, float *n1) {
    float r = __fsqrt_rn(__fmul_rn(-2.0f, det_log(uniform01(a))));
    float t = __fmul_rn(uniform01(b), 4.0f);
    int q = (int) t;
    float x = __fsub_rn(t, (float) q);
    if (x > 0.5f) { x = __fsub_rn(x, 1.0f); q = q + 1; }
    float x2 = __fmul_rn(x, x);
    float sp = __fmaf_rn(bits_f(0x39283c1au), x2, bits_f(0xbb996966u));
    sp = __fmaf_rn(sp, x2, bits_f(0x3da335e3u));
    sp = __fmaf_rn(sp, x2, bits_f(0xbf255de7u));
    sp = __fmaf_rn(sp, x2, bits_f(0x3fc90fdbu));
    float sn = __fmul_rn(x, sp);
    float cp = __fmaf_rn(bits_f(0xb7d368f9u), x2, bits_f(0x3a70fa83u));
    cp = __fmaf_rn(cp, x2, bits_f(0xbcaae9e4u));
    cp = __fmaf_rn(cp, x2, bits_f(0x3e81e0f8u));
    cp = __fmaf_rn(cp, x2, bits_f(0xbf9de9e6u));
    float cs = __fmaf_rn(cp, x2, 1.0f);
    float c, s;
    switch (q & 3) {
        case 0: c = cs; s = sn; break;
        case 1: c = -sn; s = cs; break;
        case 2: c = -cs; s = -sn; break;
        default: c = sn; s = -cs; break;
    }
    *n0 = __fmul_rn(r, c);
    *n1 = __fmul_rn(r, s);
}

/** z(seed, tensor, e) of spec §3.2. */
__device__ __forceinline__ float z_element(uint32_t seedLo, uint32_t seedHi, uint32_t tensor, uint64_t e) {
    uint64_t block = e >> 2;
    uint4 w = philox4x32_10(make_uint4((uint32_t) block, (uint32_t) (block >> 32), tensor, 0u), seedLo, seedHi);
    float n0, n1;
    int lane = (int) (e & 3);
    if (lane < 2) { gaussian_pair(w.x, w.y, &n0, &n1); } else { gaussian_pair(w.z, w.w, &n0, &n1); }
    return (lane & 1) ? n1 : n0;
}

/** The element rule of spec §6.2 (a frozen tensor never reaches here). */
__device__ __forceinline__ bool trained(float theta, uint64_t e, uint32_t tensor, float maxMagnitude,
        uint32_t keepLo, uint32_t keepHi, uint32_t keepLimit, int randomRule) {
    if (isinf(maxMagnitude) && !randomRule) return true; // dense: every element, NaN included (as on the CPU)
    if (!(fabsf(theta) <= maxMagnitude)) return false;
    if (!randomRule) return true;
    uint64_t block = e >> 2;
    uint4 w = philox4x32_10(make_uint4((uint32_t) block, (uint32_t) (block >> 32), tensor, 1u), keepLo, keepHi);
    uint32_t word = (e & 3) == 0 ? w.x : (e & 3) == 1 ? w.y : (e & 3) == 2 ? w.z : w.w;
    return (word >> 8) < keepLimit;
}

/** out[i] = z(seed, tensor, from + i): the golden-vector check on the device. */
extern "C" __global__ void gaussian_fill(uint32_t seedLo, uint32_t seedHi, uint32_t tensor, uint64_t from, int n,
        float *out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = z_element(seedLo, seedHi, tensor, from + (uint64_t) i);
}

/**
 * Spec §5 for one tensor: optional mask (decided on theta before the update), decay for matrices, then
 * theta = fma(-c_k, z_k, theta) in term order. seeds: 2q words (lo, hi); coeffs: q floats.
 */
extern "C" __global__ void apply_update(float *theta, int n, uint32_t tensor, float decay, int applyDecay,
        const uint32_t *seeds, const float *coeffs, int q, float maxMagnitude, uint32_t keepLo, uint32_t keepHi,
        uint32_t keepLimit, int randomRule) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float t = theta[i];
    if (!trained(t, (uint64_t) i, tensor, maxMagnitude, keepLo, keepHi, keepLimit, randomRule)) return;
    if (applyDecay) t = __fmul_rn(t, decay);
    for (int k = 0; k < q; k++) {
        float z = z_element(seeds[2 * k], seeds[2 * k + 1], tensor, (uint64_t) i);
        t = __fmaf_rn(-coeffs[k], z, t);
    }
    theta[i] = t;
}

#define TILE_O 16
#define TILE_N 32
#define TILE_I 32

/**
 * One dense layer for the paired perturbed passes in one sweep over the weights: y+ = act((W + eps z) x+ + b + eps zb)
 * and y- = act((W - eps z) x- + b - eps zb), z generated where the weight tile is loaded into shared memory (never a
 * perturbed copy of W in global memory). perturb = 0 computes the plain pass (x-, y- unused). x, y are row-major
 * [batch][features]. Each output is one fma chain over the inputs in order, starting from the bias: deterministic.
 * Block (TILE_N, TILE_O) threads; grid (ceil(batch / TILE_N), ceil(out / TILE_O)).
 */
extern "C" __global__ void paired_dense(const float *W, const float *b, int in, int out, int batch,
        const float *xp, const float *xm, float *yp, float *ym, uint32_t seedLo, uint32_t seedHi, uint32_t wTensor,
        uint32_t bTensor, float eps, int perturb, int relu, int wFrozen, int bFrozen, float maxMagnitude,
        uint32_t keepLo, uint32_t keepHi, uint32_t keepLimit, int randomRule) {
    __shared__ float wp[TILE_O][TILE_I];
    __shared__ float wm[TILE_O][TILE_I];
    int n = blockIdx.x * TILE_N + threadIdx.x;
    int o = blockIdx.y * TILE_O + threadIdx.y;
    float accp = 0.0f, accm = 0.0f;
    if (o < out) {
        float bias = b[o];
        if (perturb && !bFrozen) {
            float zb = z_element(seedLo, seedHi, bTensor, (uint64_t) o);
            accp = __fmaf_rn(eps, zb, bias);
            accm = __fmaf_rn(-eps, zb, bias);
        } else {
            accp = bias;
            accm = bias;
        }
    }
    for (int i0 = 0; i0 < in; i0 += TILE_I) {
        // cooperative load of the W tile (+ z on the fly): thread (tx, ty) loads column tx of row ty
        int i = i0 + threadIdx.x;
        if (threadIdx.x < TILE_I) {
            float w = 0.0f, zw = 0.0f;
            if (o < out && i < in) {
                uint64_t e = (uint64_t) o * in + i;
                w = W[e];
                if (perturb && !wFrozen && trained(w, e, wTensor, maxMagnitude, keepLo, keepHi, keepLimit, randomRule)) {
                    zw = z_element(seedLo, seedHi, wTensor, e);
                }
            }
            wp[threadIdx.y][threadIdx.x] = perturb ? __fmaf_rn(eps, zw, w) : w;
            wm[threadIdx.y][threadIdx.x] = perturb ? __fmaf_rn(-eps, zw, w) : w;
        }
        __syncthreads();
        if (o < out && n < batch) {
            int lim = min(TILE_I, in - i0);
            const float *xpr = xp + (size_t) n * in + i0;
            for (int j = 0; j < lim; j++) accp = __fmaf_rn(wp[threadIdx.y][j], xpr[j], accp);
            if (perturb) {
                const float *xmr = xm + (size_t) n * in + i0;
                for (int j = 0; j < lim; j++) accm = __fmaf_rn(wm[threadIdx.y][j], xmr[j], accm);
            }
        }
        __syncthreads();
    }
    if (o < out && n < batch) {
        yp[(size_t) n * out + o] = relu ? fmaxf(accp, 0.0f) : accp;
        if (perturb) ym[(size_t) n * out + o] = relu ? fmaxf(accm, 0.0f) : accm;
    }
}

/**
 * Per-example softmax cross-entropy of row-major logits [batch][classes] in double (as core's SoftmaxCrossEntropy);
 * the host sums the doubles in example order.
 */
extern "C" __global__ void softmax_xent(const float *logits, const int *labels, int batch, int classes,
        double *loss) {
    int n = blockIdx.x * blockDim.x + threadIdx.x;
    if (n >= batch) return;
    const float *row = logits + (size_t) n * classes;
    float mx = row[0];
    for (int k = 1; k < classes; k++) mx = fmaxf(mx, row[k]);
    double sum = 0.0;
    for (int k = 0; k < classes; k++) sum += exp((double) row[k] - (double) mx);
    loss[n] = log(sum) + (double) mx - (double) row[labels[n]];
}
