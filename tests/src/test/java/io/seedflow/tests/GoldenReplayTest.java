package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.log.LogReplay;
import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.TensorSpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pins the formats end to end: base snapshots and update logs produced by SeedFlow 0.1.0 (checked in under golden/)
 * must replay to the recorded weights SHA-256 forever. replay-v1: 200 dense steps (q = 2, weight decay, cosine
 * schedule). replay-v2-magnitude-subspace: 120 steps with a magnitude mask (sparsity 0.5, thresholds refreshed every
 * 40 steps), the head denoised in windows of 10, weight decay. replay-v2-random-selection: 120 steps training two of
 * four tensors, a random mask of density 0.3 redrawn every 30 steps. replay-v3-head-delta: 90 format-3 steps built
 * from those logs with exact head deltas added (see {@link HeadDeltaLogs#goldenV3}) and one skipped step. A change
 * to the RNG, the Gaussian transform, the update rule, the mask rule, the subspace procedure, the head delta, tensor
 * order, safetensors decoding or the Avro schema breaks this test.
 */
class GoldenReplayTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"replay-v1, 200, 1", "replay-v2-magnitude-subspace, 120, 2", "replay-v2-random-selection, 120, 2",
            "replay-v3-head-delta, 90, 3"})
    void checkedInLogReplaysToTheRecordedWeights(String name, int steps, int formatVersion)
            throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/golden/" + name).toURI());
        String expected = Files.readString(dir.resolve("weights.sha256")).strip();
        Path snapshot;
        try (var files = Files.list(dir)) {
            snapshot = files.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        List<UpdateRecord> log = UpdateLogFile.readAll(dir.resolve("updates.avro"));
        assertThat(log).filteredOn(r -> r.status() == UpdateStatus.APPLIED)
                .allMatch(r -> r.formatVersion() == formatVersion);
        if (name.contains("subspace")) {
            assertThat(log.stream().filter(r -> r.subspace() != null && !r.subspace().removed().isEmpty()).count())
                    .as("records with a correction").isGreaterThan(50);
        }
        LogReplay.Result r = LogReplay.replay(snapshot, null, dir.resolve("updates.avro"));
        assertThat(r.recordsApplied()).isEqualTo(steps);
        assertThat(r.replica().version()).isEqualTo(steps);
        assertThat(r.weightsSha256()).isEqualTo(expected);
    }

    /**
     * The v4 golden log (compact records naming two log contexts) replays to its recorded digest, and is exactly what
     * {@link CompactLogs#goldenV4} builds from the checked-in v1-v3 logs, as the compact encoding keeps it; with
     * {@code -Dseedflow.golden.write-v4=<dir>} it is (re)written there.
     */
    @Test
    void compactGoldenReplaysToTheRecordedWeightsAndIsTheDocumentedConstruction()
            throws IOException, URISyntaxException {
        Path golden = Path.of(getClass().getResource("/golden").toURI());
        Path snapshot;
        try (var files = Files.list(golden.resolve("replay-v1"))) {
            snapshot = files.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        List<TensorSpec> specs = SnapshotStore.read(snapshot, null).parameters().specs();
        String out = System.getProperty("seedflow.golden.write-v4");
        if (out != null) {
            CompactLogs.writeGolden(golden, snapshot, specs, Path.of(out));
        }
        Path dir = golden.resolve("replay-v4-compact");
        Path log = dir.resolve("updates.avro");
        try (DataFileReader<Object> in = new DataFileReader<>(log.toFile(), new GenericDatumReader<>())) {
            assertThat(in.getSchema().getFullName()).isEqualTo("io.seedflow.schemas.CompactModelUpdate");
        }
        assertThat(UpdateLogFile.readAll(log))
                .containsExactlyElementsOf(CompactLogs.goldenV4(golden, specs).stream().map(CompactLogs::compactView)
                        .toList());
        LogReplay.Result r = LogReplay.replay(dir.resolve(snapshot.getFileName()), null, log);
        assertThat(r.recordsApplied()).isEqualTo(100);
        assertThat(r.weightsSha256()).isEqualTo(Files.readString(dir.resolve("weights.sha256")).strip());
    }

    /**
     * The v3 golden log is exactly what {@link HeadDeltaLogs#goldenV3} builds from the checked-in v1 and v2 logs (so
     * its provenance is reproducible); with {@code -Dseedflow.golden.write-v3=<dir>} it is (re)written there.
     */
    @Test
    void headDeltaGoldenIsTheDocumentedConstruction() throws IOException, URISyntaxException {
        Path golden = Path.of(getClass().getResource("/golden").toURI());
        Path v1 = golden.resolve("replay-v1");
        Path snapshot;
        try (var files = Files.list(v1)) {
            snapshot = files.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        List<TensorSpec> specs = SnapshotStore.read(snapshot, null).parameters().specs();
        String out = System.getProperty("seedflow.golden.write-v3");
        if (out != null) {
            HeadDeltaLogs.writeGolden(golden, snapshot, specs, Path.of(out));
        }
        List<UpdateRecord> built = HeadDeltaLogs.goldenV3(golden, specs);
        assertThat(UpdateLogFile.readAll(golden.resolve("replay-v3-head-delta/updates.avro"))).isEqualTo(built);
        assertThat(built).hasSize(90).filteredOn(r -> r.headDelta() != null).hasSize(89);
    }
}
