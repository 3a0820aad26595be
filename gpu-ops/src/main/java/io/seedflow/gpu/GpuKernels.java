package io.seedflow.gpu;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/** The PTX module built from src/main/cuda/seedflow_kernels.cu (a classpath resource) and its functions. */
final class GpuKernels {
    static final String PTX_RESOURCE = "/io/seedflow/gpu/seedflow_kernels.ptx";

    final CUfunction gaussianFill = new CUfunction();
    final CUfunction applyUpdate = new CUfunction();
    final CUfunction pairedDense = new CUfunction();
    final CUfunction softmaxXent = new CUfunction();

    /** Loads the module into the current context. */
    GpuKernels() {
        CUmodule module = new CUmodule();
        cuModuleLoadData(module, ptx());
        cuModuleGetFunction(gaussianFill, module, "gaussian_fill");
        cuModuleGetFunction(applyUpdate, module, "apply_update");
        cuModuleGetFunction(pairedDense, module, "paired_dense");
        cuModuleGetFunction(softmaxXent, module, "softmax_xent");
    }

    /** The PTX text with the terminating NUL byte cuModuleLoadData needs. */
    static byte[] ptx() {
        try (InputStream in = GpuKernels.class.getResourceAsStream(PTX_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + PTX_RESOURCE + " is missing from the class path");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + PTX_RESOURCE, e);
        }
    }
}
