package io.seedflow.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The smallest heap a mode of {@link EncoderHeapProbe} completes in, by binary search over -Xmx with one child JVM per
 * probe (same class path, {@code --add-modules jdk.incubator.vector}).
 *
 * <p>Why this method: the quantity wanted is the heap a deployment must give (peak live data), and sampling heap
 * use from inside one JVM measures the collector's timing as much as the program (used-before-GC counts garbage;
 * used-after-GC only samples the moments a collection happened to run). "Completes without OutOfMemoryError" has no
 * such dependence: a full collection runs before any OutOfMemoryError, so a run fails exactly when live data at some
 * moment exceeds what the heap can hold. SerialGC (a compacting full collection, no region fragmentation of the
 * 47 MB embedding matrix as with G1's humongous regions), a fixed small young generation and -Xms = -Xmx keep the
 * heap's layout the same for every mode, so the minimum is live peak + a constant, and modes compare by ratio.
 */
final class MinimumHeapSearch {
    static final int YOUNG_MB = 8;
    private static final long TIMEOUT_S = 300;

    private final Path dir;
    private final int threads;
    private final int iterations;

    MinimumHeapSearch(Path dir, int threads, int iterations) {
        this.dir = dir;
        this.threads = threads;
        this.iterations = iterations;
    }

    /** Smallest multiple of {@code step} MiB in (low, high] that completes; {@code low} must fail, {@code high} pass. */
    int minimumMb(EncoderHeapProbe.Mode mode, int low, int high, int step) throws Exception {
        if (completes(mode, low)) {
            throw new IllegalStateException(mode + " completes in " + low + " MiB; lower the search's floor");
        }
        if (!completes(mode, high)) {
            throw new IllegalStateException(mode + " does not complete in " + high + " MiB; raise the search's ceiling");
        }
        while (high - low > step) {
            int mid = low + (high - low) / 2 / step * step;
            if (completes(mode, mid)) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return high;
    }

    private boolean completes(EncoderHeapProbe.Mode mode, int mb) throws IOException, InterruptedException {
        Path log = dir.resolve("probe.log");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + mb + "m", "-Xmx" + mb + "m", "-Xmn" + YOUNG_MB + "m", "-XX:+UseSerialGC",
                "--add-modules", "jdk.incubator.vector",
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=" + threads,
                "-cp", System.getProperty("java.class.path"), EncoderHeapProbe.class.getName(), mode.name(),
                dir.toString(), Integer.toString(iterations)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            System.out.printf("  (%s at %d MiB: no result in %d s, counted as not completing)%n", mode, mb, TIMEOUT_S);
            return false;
        }
        String out = Files.readString(log);
        if (p.exitValue() == 0) {
            return true;
        }
        if (p.exitValue() == EncoderHeapProbe.OOM_EXIT) {
            return false;
        }
        throw new IllegalStateException(mode + " at " + mb + " MiB exited with " + p.exitValue() + ":\n" + out);
    }
}
