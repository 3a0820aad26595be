package io.seedflow.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the seedflow command line in a separate JVM process with this test's classpath. */
final class ChildJvm {
    /** Exit code and combined output of a child process. */
    record Outcome(int exitCode, String output) {
    }

    private ChildJvm() {
    }

    /**
     * Runs {@code seedflow args} in a child JVM <em>without</em> the Vector API module, so the child's perturbations
     * come from the scalar kernels while this JVM (surefire adds the module) uses the vector kernels: the replay
     * tests then also prove that both implementations give the same bits.
     */
    static Outcome seedflow(String... args) throws IOException, InterruptedException {
        return seedflow(Map.of(), args);
    }

    /** {@link #seedflow(String...)} with extra environment variables (e.g. AWS credentials). */
    static Outcome seedflow(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = command(args);
        Process p = builder(env, cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM did not finish: " + cmd);
        }
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Starts {@code seedflow args} as {@link #seedflow} does, without waiting; stdout and stderr are merged. */
    static Process start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** {@link #start(String...)} with extra environment variables. */
    static Process start(Map<String, String> env, String... args) throws IOException {
        return builder(env, command(args)).start();
    }

    private static ProcessBuilder builder(Map<String, String> env, List<String> cmd) {
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        b.environment().putAll(env);
        return b;
    }

    private static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dseedflow.cpu.vector=false");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.seedflow.jobs.SeedflowCli");
        cmd.addAll(List.of(args));
        return cmd;
    }
}
