package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.data.FashionMnist;
import io.seedflow.jobs.embedded.DemoDataset;
import io.seedflow.jobs.embedded.DemoSettings;
import io.seedflow.jobs.embedded.DemoStatus;
import io.seedflow.jobs.embedded.PoisonKind;
import io.seedflow.jobs.embedded.StreamingDemo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-process demo ({@code seedflow demo}) for about 25 s on an ephemeral dashboard port: while it runs, Flink's
 * REST API on that port must list the job as RUNNING; by the end events must have been produced, poison records
 * dead-lettered with the reasons their kinds stand for, and the replica must have followed the trainer past version 0
 * and be more accurate on the holdout set than when it bootstrapped; then everything must stop cleanly and the
 * dashboard go away.
 */
class EmbeddedDemoITCase {
    private static final Duration RUN = Duration.ofSeconds(25);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void runsKafkaFlinkProducerAndReplicaInOneJvmAndStopsCleanly(@TempDir Path tmp) throws Exception {
        DemoSettings settings = DemoSettings.builder(DemoDataset.named(DemoDataset.FASHION_MNIST)).eventsPerSecond(2000)
                .duration(RUN).batchSize(64).learningRate(5e-4).ports(0, 0, 0).runDir(tmp.resolve("run"))
                .poisonEvery(200).holdoutSize(500).checkpointInterval(Duration.ofMillis(500))
                .reportInterval(Duration.ofSeconds(1)).dataDir(FashionMnist.defaultDir()).build();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);

        StreamingDemo demo = StreamingDemo.start(settings, out);
        String jobsOverview;
        try {
            assertThat(demo.webPort()).isPositive().isNotEqualTo(8081);
            jobsOverview = awaitRunning(demo, Duration.ofSeconds(20));
            demo.run();
        } finally {
            try {
                demo.close(); // throws if any part did not stop cleanly
            } finally {
                System.out.println(output.toString(StandardCharsets.UTF_8) + demo.summary()); // into the test report
            }
        }

        assertThat(jobsOverview).contains(demo.jobId().toString()).contains("\"state\":\"RUNNING\"");
        DemoStatus last = demo.lastStatus();
        assertThat(last.failure()).isNull();
        assertThat(last.eventsProduced()).as("events produced").isGreaterThan(5_000);
        assertThat(last.poisonSent()).as("poison records sent").isGreaterThan(5);
        assertThat(last.deadLettered()).as("poison records dead-lettered (committed)").isPositive()
                .isLessThanOrEqualTo(last.poisonSent());
        Set<String> poisonReasons = PoisonKind.DENSE.stream().map(k -> k.expectedReason().name())
                .collect(Collectors.toSet());
        assertThat(demo.deadLettersByReason().keySet()).isNotEmpty().isSubsetOf(poisonReasons);
        assertThat(last.trainerStep()).as("trainer step").isPositive();
        assertThat(last.replicaVersion()).as("replica version").isPositive();
        assertThat(last.holdoutAccuracy()).as("replica accuracy on the holdout set vs. at bootstrap")
                .isGreaterThan(demo.firstAccuracy() + 0.05);
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("dashboard: " + demo.webUrl())
                .contains("holdout");
        assertThat(demo.summary()).contains("replica: version");

        // the local cluster, and with it the dashboard, is gone
        assertThatThrownBy(() -> get(demo.webUrl() + "/jobs/overview")).isInstanceOf(IOException.class);
    }

    /** Polls the REST API until it lists the demo's job as RUNNING; returns that answer. */
    private static String awaitRunning(StreamingDemo demo, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "(no answer)";
        while (System.nanoTime() < deadline) {
            try {
                last = get(demo.webUrl() + "/jobs/overview");
                if (last.contains(demo.jobId().toString()) && last.contains("\"state\":\"RUNNING\"")) {
                    return last;
                }
            } catch (IOException e) {
                last = e.toString(); // the REST endpoint is still starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("job " + demo.jobId() + " not RUNNING on " + demo.webUrl() + " within " + timeout
                + "; last answer: " + last);
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
