// Host emulation of the CUDA intrinsics used by src/main/cuda/seedflow_kernels.cu, so that the per-thread kernels
// (z_element, apply_update, and paired_dense with a block's threads as OS threads) can be checked against core's Java reference on a machine without a GPU
// (GpuKernelsHostEmulationTest). Every explicitly rounded intrinsic maps to one IEEE binary32 operation (compiled with
// -ffp-contract=off), so this checks the transcription of the spec, not the GPU: it is no substitute for the
// GPU checks of GpuBackendTest.
//
// usage: host_emulation golden <gaussian-v1.csv>
//        host_emulation apply <case.txt>    (case: n, n initial bits, n expected bits, then the record parameters)
//        host_emulation forward <case.txt>  (a two-layer MLP's paired losses through paired_dense + softmax_xent)
#include <cstdint>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <algorithm>
#include <barrier>
#include <thread>
#include <vector>
#include <functional>
using std::min;
using std::isinf;
#define __device__
#define __forceinline__ inline
#define __global__
#define __shared__ static
struct uint4 { uint32_t x, y, z, w; };
static inline uint4 make_uint4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return {a, b, c, d}; }
static inline uint32_t __umulhi(uint32_t a, uint32_t b) { return (uint32_t) (((uint64_t) a * b) >> 32); }
static inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
static inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
static inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
static inline float __fdiv_rn(float a, float b) { volatile float r = a / b; return r; }
static inline float __fsqrt_rn(float a) { return std::sqrt(a); }
static inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
static inline float __uint_as_float(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline uint32_t __float_as_uint(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
struct Dim { unsigned x, y, z; };
static Dim blockIdx, blockDim;
static thread_local Dim threadIdx;
// a block's threads run as OS threads, so __syncthreads is a real barrier and __shared__ (static) is shared by them
static std::barrier<> *blockBarrier = nullptr;
static inline void __syncthreads() { if (blockBarrier) blockBarrier->arrive_and_wait(); }
static void launch(Dim grid, Dim block, const std::function<void()> &kernel) {
    blockDim = block;
    for (unsigned by = 0; by < grid.y; by++) {
        for (unsigned bx = 0; bx < grid.x; bx++) {
            blockIdx = {bx, by, 0};
            std::barrier<> bar(block.x * block.y);
            blockBarrier = &bar;
            std::vector<std::thread> threads;
            for (unsigned ty = 0; ty < block.y; ty++) {
                for (unsigned tx = 0; tx < block.x; tx++) {
                    threads.emplace_back([&, tx, ty] { threadIdx = {tx, ty, 0}; kernel(); });
                }
            }
            for (auto &t : threads) t.join();
            blockBarrier = nullptr;
        }
    }
}
#include "../../main/cuda/seedflow_kernels.cu"

static int golden(const char *path) {
    std::ifstream in(path);
    std::string line;
    int ok = 0, bad = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind("seed", 0) == 0) continue;
        std::stringstream ss(line);
        std::string s, t, e, h;
        std::getline(ss, s, ','); std::getline(ss, t, ','); std::getline(ss, e, ','); std::getline(ss, h, ',');
        uint64_t seed = (uint64_t) std::stoll(s);
        float z = z_element((uint32_t) seed, (uint32_t) (seed >> 32), (uint32_t) std::stoul(t), std::stoull(e));
        if (__float_as_uint(z) == (uint32_t) std::stoul(h, nullptr, 16)) ok++;
        else if (++bad < 5) printf("MISMATCH %s got %08x\n", line.c_str(), __float_as_uint(z));
    }
    printf("golden: %d ok, %d mismatches\n", ok, bad);
    return bad == 0 && ok > 100 ? 0 : 1;
}

static int apply(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 2;
    int n, q, applyDecay, randomRule;
    unsigned tensor, decayBits, maxBits, keepLo, keepHi, limit;
    if (fscanf(f, "%d", &n) != 1) return 2;
    float *theta = new float[n];
    uint32_t *want = new uint32_t[n];
    for (int i = 0; i < n; i++) { unsigned b; if (fscanf(f, "%x", &b) != 1) return 2; theta[i] = __uint_as_float(b); }
    for (int i = 0; i < n; i++) { unsigned b; if (fscanf(f, "%x", &b) != 1) return 2; want[i] = b; }
    if (fscanf(f, "%u %x %d %d", &tensor, &decayBits, &applyDecay, &q) != 4) return 2;
    uint32_t *seeds = new uint32_t[2 * q + 2];
    float *coeffs = new float[q + 1];
    for (int k = 0; k < q; k++) {
        unsigned lo, hi, c;
        if (fscanf(f, "%x %x %x", &lo, &hi, &c) != 3) return 2;
        seeds[2 * k] = lo; seeds[2 * k + 1] = hi; coeffs[k] = __uint_as_float(c);
    }
    if (fscanf(f, "%x %x %x %u %d", &maxBits, &keepLo, &keepHi, &limit, &randomRule) != 5) return 2;
    launch({(unsigned) (n + 255) / 256, 1, 1}, {256, 1, 1}, [&] {
        apply_update(theta, n, tensor, __uint_as_float(decayBits), applyDecay, seeds, coeffs, q,
                __uint_as_float(maxBits), keepLo, keepHi, limit, randomRule);
    });
    int bad = 0;
    for (int i = 0; i < n; i++) {
        if (__float_as_uint(theta[i]) != want[i] && ++bad < 5) printf("MISMATCH element %d\n", i);
    }
    printf("apply_update: %d elements, %d mismatches\n", n, bad);
    return bad == 0 ? 0 : 1;
}

static std::vector<float> readFloats(FILE *f, size_t n) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) { unsigned b; if (fscanf(f, "%x", &b) != 1) throw 2; v[i] = __uint_as_float(b); }
    return v;
}

/**
 * The two-layer MLP's paired perturbed losses with paired_dense + softmax_xent, as JCudaBackend launches them.
 * case: in hid out batch | seedLo seedHi eps(bits) | mask of tensor 0: frozen max(bits) keepLo keepHi limit random |
 * W0 b0 W1 b1 (bits) | x (bits, row-major) | labels. Prints the two mean losses as %.17g.
 */
static int forward(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 2;
    int in, hid, out, batch, frozen, random;
    unsigned seedLo, seedHi, epsBits, maxBits, keepLo, keepHi, limit;
    if (fscanf(f, "%d %d %d %d %x %x %x %d %x %x %x %u %d", &in, &hid, &out, &batch, &seedLo, &seedHi, &epsBits,
            &frozen, &maxBits, &keepLo, &keepHi, &limit, &random) != 13) return 2;
    auto w0 = readFloats(f, (size_t) hid * in), b0 = readFloats(f, hid);
    auto w1 = readFloats(f, (size_t) out * hid), b1 = readFloats(f, out);
    auto x = readFloats(f, (size_t) batch * in);
    std::vector<int> labels(batch);
    for (int i = 0; i < batch; i++) if (fscanf(f, "%d", &labels[i]) != 1) return 2;
    float eps = __uint_as_float(epsBits), mx = __uint_as_float(maxBits);
    std::vector<float> hp((size_t) batch * hid), hm((size_t) batch * hid), yp((size_t) batch * out),
            ym((size_t) batch * out);
    std::vector<double> lp(batch), lm(batch);
    Dim block = {32, 16, 1};
    launch({(unsigned) (batch + 31) / 32, (unsigned) (hid + 15) / 16, 1}, block, [&] {
        paired_dense(w0.data(), b0.data(), in, hid, batch, x.data(), x.data(), hp.data(), hm.data(), seedLo, seedHi,
                0, 1, eps, 1, 1, frozen, 0, mx, keepLo, keepHi, limit, random);
    });
    launch({(unsigned) (batch + 31) / 32, (unsigned) (out + 15) / 16, 1}, block, [&] {
        paired_dense(w1.data(), b1.data(), hid, out, batch, hp.data(), hm.data(), yp.data(), ym.data(), seedLo,
                seedHi, 2, 3, eps, 1, 0, 0, 0, INFINITY, 0, 0, 1u << 24, 0);
    });
    launch({(unsigned) (batch + 127) / 128, 1, 1}, {128, 1, 1}, [&] {
        softmax_xent(yp.data(), labels.data(), batch, out, lp.data());
        softmax_xent(ym.data(), labels.data(), batch, out, lm.data());
    });
    double sp = 0, sm = 0;
    for (int i = 0; i < batch; i++) { sp += lp[i]; sm += lm[i]; }
    printf("losses %.17g %.17g\n", sp / batch, sm / batch);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    std::string what = argv[1];
    return what == "golden" ? golden(argv[2]) : what == "apply" ? apply(argv[2]) : what == "forward" ? forward(argv[2]) : 2;
}
