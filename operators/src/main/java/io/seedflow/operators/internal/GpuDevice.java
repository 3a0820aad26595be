package io.seedflow.operators.internal;

import java.util.Optional;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;

/** Which GPU a trainer subtask uses. */
public final class GpuDevice {
    private GpuDevice() {
    }

    /**
     * Property "index" of Flink's external resource {@code gpu} when the cluster configures it (external-resources:
     * gpu, with the GPU discovery driver), else device 0.
     */
    public static int indexOf(RuntimeContext context) {
        try {
            for (ExternalResourceInfo info : context.getExternalResourceInfos("gpu")) {
                Optional<String> index = info.getProperty("index");
                if (index.isPresent()) {
                    return Integer.parseInt(index.get().trim());
                }
            }
        } catch (RuntimeException e) {
            // no external resources in this runtime (tests, local): the first device
        }
        return 0;
    }
}
