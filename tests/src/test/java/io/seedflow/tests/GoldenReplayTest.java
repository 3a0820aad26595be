package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.log.LogReplay;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Pins format v1 end to end: a base snapshot and a 200-step update log produced by SeedFlow 0.1.0 (checked in under
 * golden/replay-v1) must replay to the recorded weights SHA-256 forever. A change to the RNG, the Gaussian
 * transform, the update rule, tensor order, safetensors decoding or the Avro schema breaks this test.
 */
class GoldenReplayTest {
    @Test
    void checkedInLogReplaysToTheRecordedWeights() throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/golden/replay-v1").toURI());
        String expected = Files.readString(dir.resolve("weights.sha256")).strip();
        Path snapshot;
        try (var files = Files.list(dir)) {
            snapshot = files.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        LogReplay.Result r = LogReplay.replay(snapshot, null, dir.resolve("updates.avro"));
        assertThat(r.recordsApplied()).isEqualTo(200);
        assertThat(r.replica().version()).isEqualTo(200);
        assertThat(r.weightsSha256()).isEqualTo(expected);
    }
}
