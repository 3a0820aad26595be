package io.seedflow.tests;

import io.seedflow.connectors.log.LogReplay;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** The construction of golden/replay-v4-compact, and what records read as after the compact encoding. */
final class CompactLogs {
    private CompactLogs() {
    }

    /**
     * The 100 records of golden/replay-v4-compact, on the base snapshot of the golden replays: steps 1-90 are the
     * records of replay-v3-head-delta ({@link HeadDeltaLogs#goldenV3}: masks, subspace corrections, head deltas, decay,
     * a skipped step); steps 91-100 are dense one-term records without decay (the first term of replay-v1's record of
     * the same step) trained on another source, so they start a second log context. Written in format 4, the log
     * holds the two contexts inline in records 1 and 91 and names them by id everywhere else.
     */
    static List<UpdateRecord> goldenV4(Path goldenDir, List<TensorSpec> specs) {
        List<UpdateRecord> out = new ArrayList<>(HeadDeltaLogs.goldenV3(goldenDir, specs));
        List<UpdateRecord> v1 = io.seedflow.connectors.log.UpdateLogFile.readAll(
                goldenDir.resolve("replay-v1/updates.avro"));
        for (UpdateRecord r : v1.subList(90, 100)) {
            long from = (r.step() - 91) * 32;
            out.add(new UpdateRecord(1, r.modelId(), r.baseSnapshotId(), r.step(), UpdateStatus.APPLIED, 1f,
                    r.perturbations().subList(0, 1), r.epsilon(), r.learningRate(), r.batchSize(),
                    List.of(new Lineage("seedflow-events", 2, from, from + 32)), r.trainerTimeMillis()));
        }
        return out;
    }

    /** {@code r} as it reads after the compact encoding: monitoring-only fields not carried (NaN, batch size 0). */
    static UpdateRecord compactView(UpdateRecord r) {
        List<PerturbationTerm> terms = r.perturbations().stream()
                .map(t -> new PerturbationTerm(t.seed(), t.coefficient(), Float.NaN, Float.NaN, Float.NaN)).toList();
        return new UpdateRecord(r.formatVersion(), r.modelId(), r.baseSnapshotId(), r.step(), r.status(),
                r.decayFactor(), terms, Float.NaN, Float.NaN, 0, r.lineage(), r.trainerTimeMillis(), r.mask(),
                r.subspace(), r.headDelta());
    }

    /** Writes snapshot, format-4 log and the Java replay's weights digest into {@code dir} (the golden layout). */
    static String writeGolden(Path goldenDir, Path snapshot, List<TensorSpec> specs, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path snap = Files.copy(snapshot, dir.resolve(snapshot.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path log = HeadDeltaLogs.write(goldenV4(goldenDir, specs), dir.resolve("updates.avro"));
        String sha = LogReplay.replay(snap, null, log).weightsSha256();
        Files.writeString(dir.resolve("weights.sha256"), sha + "\n", StandardCharsets.US_ASCII);
        return sha;
    }
}
