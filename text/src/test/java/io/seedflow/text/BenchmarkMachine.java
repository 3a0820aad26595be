package io.seedflow.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a benchmark needs to know about the machine it runs on, so that its numbers do not lie: the CPU model and its
 * vector extensions; the 1-minute load average when the benchmark starts (before its own threads add to it); and,
 * over each measurement, how much of
 * the machine other processes used (Linux {@code /proc}: the CPU time of all processes, steal included, minus this
 * JVM's, over the wall time and the cores). The load average alone cannot tell once the benchmark runs: its 2 threads
 * on 2 cores raise it towards 2 by themselves. A figure taken when the load was above {@link #QUIET_LOAD} at the start or other
 * processes took more than {@link #QUIET_OTHERS} of the machine is flagged: on a shared machine a busy neighbour slows
 * the two sides of a ratio unequally.
 */
final class BenchmarkMachine {
    /** The highest 1-minute load average at the benchmark's start for the machine to count as quiet. */
    static final double QUIET_LOAD = 1.5;
    /** The largest share of all cores that other processes may use during a measurement of a quiet machine. */
    static final double QUIET_OTHERS = 0.10;

    /** The load when this benchmark started, before any of its own work. */
    private final double startLoad = load();
    private long startNanos;
    private long startBusyTicks;
    private long startOwnTicks;
    private double othersShare = Double.NaN;

    /** The CPU's model name and whether it has AVX-512 (F) and AVX2, from /proc/cpuinfo. */
    static String cpu() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
            String flags = lines.stream().filter(l -> l.startsWith("flags")).findFirst().orElse("");
            return model + (flags.contains(" avx512f") ? ", AVX-512" : "") + (flags.contains(" avx2") ? ", AVX2" : "");
        } catch (IOException e) {
            return "unknown CPU (" + e.getMessage() + ")";
        }
    }

    /** The 1-minute load average now (NaN where /proc/loadavg cannot be read). */
    static double load() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** A measurement starts: notes the CPU time spent so far by everyone and by this JVM. */
    void start() {
        startNanos = System.nanoTime();
        startBusyTicks = busyTicks();
        startOwnTicks = ownTicks();
        othersShare = Double.NaN;
    }

    /** The measurement ended: the share of all cores other processes used meanwhile (NaN without /proc). */
    double stop() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long busy = busyTicks() - startBusyTicks;
        long own = ownTicks() - startOwnTicks;
        int cores = Runtime.getRuntime().availableProcessors();
        othersShare = startBusyTicks < 0 || startOwnTicks < 0 ? Double.NaN
                : Math.max(0, busy - own) / (TICKS_PER_SECOND * seconds * cores);
        return othersShare;
    }

    double startLoad() {
        return startLoad;
    }

    double othersShare() {
        return othersShare;
    }

    /** Whether the last measurement counts as taken on a quiet machine (unknown: not quiet). */
    boolean quiet() {
        return startLoad <= QUIET_LOAD && othersShare <= QUIET_OTHERS;
    }

    /** A ratio as printed: flagged when the last measurement was not taken on a quiet machine. */
    String ratio(double value) {
        return quiet() ? String.format(Locale.ROOT, "%.2f", value) : String.format(Locale.ROOT, "%.2f (noisy!)", value);
    }

    /** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100;

    /** Busy CPU time of the whole machine in ticks: every field of /proc/stat's cpu line but idle and iowait. */
    private static long busyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // user nice system [idle iowait] irq softirq steal
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** This JVM's CPU time in ticks: utime + stime of /proc/self/stat (all its threads). */
    private static long ownTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of the whole line
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
