package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.jobs.embedded.RunDirectory;
import io.seedflow.jobs.embedded.RunDirectoryInUseException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 point 5: a demo's run directory is locked while in use. A second demo, in another JVM or in this one, is
 * refused with one line naming the directory and the owner's pid, and deletes nothing; a crashed owner's lock goes
 * with its process.
 */
class RunDirectoryLockITCase {
    @TempDir
    Path tmp;

    @Test
    void secondDemoProcessIsRefusedAndDeletesNothing() throws Exception {
        Path dir = tmp.resolve("run");
        try (RunDirectory run = RunDirectory.prepare(dir)) {
            Path inUse = Files.writeString(Files.createDirectories(dir.resolve("kafka")).resolve("in-use.log"), "x");
            // the real command line, as the port-clash message advises: --web-port 0
            ChildJvm.Outcome second = ChildJvm.seedflow("demo", "--web-port", "0", "--run-dir", dir.toString(),
                    "--duration", "5s");
            assertThat(second.exitCode()).as(second.output()).isEqualTo(1);
            List<String> errors = second.output().lines().filter(l -> l.startsWith("seedflow: ")).toList();
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0)).contains("RunDirectoryInUseException")
                    .contains("run dir " + dir.toRealPath())
                    .contains("process " + ProcessHandle.current().pid())
                    .contains("choose another --run-dir");
            assertThat(second.output()).doesNotContain("\tat ");
            assertThat(inUse).hasContent("x");
            assertThat(run.root()).isEqualTo(dir);
        }
    }

    @Test
    void aDirectoryLockedByAnotherProcessIsRefusedUntilThatProcessDies() throws Exception {
        Path dir = tmp.resolve("run");
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RunDirectoryOwner.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            Path used = dir.resolve("checkpoints/chk-1");
            assertThat(used).exists();

            assertThatThrownBy(() -> RunDirectory.prepare(dir)).isInstanceOf(RunDirectoryInUseException.class)
                    .hasMessageContaining("run dir " + dir.toRealPath())
                    .hasMessageContaining("process " + owner.pid())
                    .satisfies(e -> assertThat(((RunDirectoryInUseException) e).owner())
                            .isEqualTo(Long.toString(owner.pid())));
            assertThat(used).exists();

            owner.destroyForcibly(); // kill -9: the OS releases its lock
            assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
            try (RunDirectory run = RunDirectory.prepare(dir)) {
                assertThat(used).doesNotExist(); // an earlier demo's content is cleared as before
                assertThat(dir.resolve(RunDirectory.LOCK_FILE))
                        .hasContent(Long.toString(ProcessHandle.current().pid()));
            }
        } finally {
            owner.destroyForcibly();
        }
    }

    @Test
    void aSecondDemoInThisJvmIsRefusedAndTheLockIsReleasedOnClose() throws Exception {
        Path dir = tmp.resolve("run");
        RunDirectory first = RunDirectory.prepare(dir);
        Path file = Files.writeString(dir.resolve("snapshots.txt"), "keep");
        assertThatThrownBy(() -> RunDirectory.prepare(dir)).isInstanceOf(RunDirectoryInUseException.class)
                .hasMessageContaining("process " + ProcessHandle.current().pid() + " (this process)");
        assertThat(file).hasContent("keep");
        first.close();
        first.close(); // idempotent
        try (RunDirectory second = RunDirectory.prepare(dir)) {
            assertThat(file).doesNotExist();
        }
    }

    /** A child process that locks a run directory, uses it, and holds it until killed or its stdin closes. */
    public static final class RunDirectoryOwner {
        public static void main(String[] args) throws Exception {
            try (RunDirectory run = RunDirectory.prepare(Path.of(args[0]))) {
                Files.writeString(Files.createDirectories(run.root().resolve("checkpoints")).resolve("chk-1"), "1");
                System.out.println("locked");
                System.out.flush();
                System.in.read(); // blocks until the parent ends
            }
        }
    }
}
