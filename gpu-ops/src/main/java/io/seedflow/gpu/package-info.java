/**
 * GPU compute backend (JCuda): not built yet. The GPU issue adds the CUDA kernels (PTX resources), the JCuda
 * loading and a {@code ComputeBackend} implementation here; this is the only module that may import {@code jcuda.*}.
 * Until then the CPU backend in core is the only backend, and nothing in this module claims to work.
 */
package io.seedflow.gpu;
