package io.seedflow.jobs.bench;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * This process's CPU time, sampled every few milliseconds on a daemon thread, so that the CPU spent in a window
 * known only afterwards (e.g. from the first to the last update record, by the trainer's clock) can be read back.
 */
final class ProcessCpuClock implements AutoCloseable {
    private static final long PERIOD_MILLIS = 10;
    private final NavigableMap<Long, Long> cpuNanosAtMillis = new ConcurrentSkipListMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    ProcessCpuClock() {
        sample();
        sampler = new Thread(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "seedflow-bench-cpu-clock");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** CPU nanoseconds of this process (all threads) since it started. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        throw new IllegalStateException("this JVM does not report process CPU time "
                + "(com.sun.management.OperatingSystemMXBean); the CPU figures need it");
    }

    /** The process CPU time at wall-clock {@code millis}, interpolated between the two samples around it. */
    long cpuNanosAt(long millis) {
        Map.Entry<Long, Long> before = cpuNanosAtMillis.floorEntry(millis);
        Map.Entry<Long, Long> after = cpuNanosAtMillis.ceilingEntry(millis);
        if (before == null || after == null) {
            throw new IllegalArgumentException("time " + millis + " is outside the sampled window ["
                    + cpuNanosAtMillis.firstKey() + ", " + cpuNanosAtMillis.lastKey() + "] ms");
        }
        if (after.getKey().equals(before.getKey())) {
            return before.getValue();
        }
        double f = (double) (millis - before.getKey()) / (after.getKey() - before.getKey());
        return before.getValue() + Math.round(f * (after.getValue() - before.getValue()));
    }

    private void sample() {
        cpuNanosAtMillis.put(System.currentTimeMillis(), processCpuNanos());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join();
        sample();
    }
}
