// Host emulation of the CUDA intrinsics used by src/main/cuda/seedflow_kernels.cu, so that the per-thread kernels
// (z_element, apply_update) can be checked against core's Java reference on a machine without a GPU
// (GpuKernelsHostEmulationTest). Every explicitly rounded intrinsic maps to one IEEE binary32 operation (compiled with
// -ffp-contract=off), so this checks the transcription of the spec, not the GPU: it is no substitute for the
// GPU checks of GpuBackendTest.
//
// usage: host_emulation golden <gaussian-v1.csv>
//        host_emulation apply <case.txt>   (case: n, n initial bits, n expected bits, then the record parameters)
#include <cstdint>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <algorithm>
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
static Dim blockIdx, threadIdx, blockDim;
static inline void __syncthreads() {}
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
    blockDim = {256, 1, 1};
    for (unsigned b = 0; b * 256 < (unsigned) n; b++) {
        for (unsigned t = 0; t < 256; t++) {
            blockIdx = {b, 0, 0};
            threadIdx = {t, 0, 0};
            apply_update(theta, n, tensor, __uint_as_float(decayBits), applyDecay, seeds, coeffs, q,
                    __uint_as_float(maxBits), keepLo, keepHi, limit, randomRule);
        }
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        if (__float_as_uint(theta[i]) != want[i] && ++bad < 5) printf("MISMATCH element %d\n", i);
    }
    printf("apply_update: %d elements, %d mismatches\n", n, bad);
    return bad == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    std::string what = argv[1];
    return what == "golden" ? golden(argv[2]) : what == "apply" ? apply(argv[2]) : 2;
}
