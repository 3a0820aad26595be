package io.seedflow.tests;

import io.seedflow.connectors.log.LogReplay;
import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.log.HeadDelta;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Format-3 logs built by hand, before the trainer can produce one: a ZO run's records with an exact head delta
 * added (values drawn from a fixed generator, of the size and scale of a head gradient step). Used by
 * {@link IndependentReplicaITCase} on fresh runs and to build golden/replay-v3-head-delta from the checked-in v1 and
 * v2 logs.
 *
 * <p>Regenerate the golden (never needed unless the v3 format changes, which it must not): run
 * {@code mvn -pl tests -am test -Dtest=GoldenReplayTest -Dseedflow.golden.write-v3=<dir>} and copy the files.
 */
final class HeadDeltaLogs {
    private HeadDeltaLogs() {
    }

    /** Deltas for tensors {@code ts}: Gaussian with standard deviation {@code scale}, from {@code seed}. */
    static HeadDelta delta(List<TensorSpec> specs, long seed, double scale, int... ts) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] values = new float[ts.length][];
        for (int i = 0; i < ts.length; i++) {
            values[i] = new float[Math.toIntExact(specs.get(ts[i]).elementCount())];
            for (int e = 0; e < values[i].length; e++) {
                values[i][e] = (float) (rnd.nextGaussian() * scale);
            }
        }
        return new HeadDelta(ts, values);
    }

    /** Each APPLIED record of {@code log} with a head delta on {@code head} (mask and sections kept as they are). */
    static List<UpdateRecord> withHeadDeltas(List<UpdateRecord> log, List<TensorSpec> specs, int... head) {
        List<UpdateRecord> out = new ArrayList<>(log.size());
        for (UpdateRecord r : log) {
            out.add(r.status() == UpdateStatus.APPLIED ? r.withHeadDelta(delta(specs, r.step(), 1e-3, head)) : r);
        }
        return out;
    }

    /**
     * The 90 records of golden/replay-v3-head-delta, all on the base snapshot of the golden replays
     * (mlp:784x16x10): steps 1-40 are replay-v1's records with a mask training the body (tensors 0, 1; the head is
     * frozen, so not decayed) and a delta on the head (2, 3); steps 41-80 are replay-v2-magnitude-subspace's records
     * (magnitude mask on every tensor, head corrected by the subspace section) with a delta on the head bias (3), so
     * the delta lands on trained, corrected elements; step 81 is skipped; steps 82-90 are
     * replay-v2-random-selection's records (random mask, tensor 1 frozen) with a delta on tensor 1.
     */
    static List<UpdateRecord> goldenV3(Path goldenDir, List<TensorSpec> specs) {
        List<UpdateRecord> v1 = UpdateLogFile.readAll(goldenDir.resolve("replay-v1/updates.avro"));
        List<UpdateRecord> sub = UpdateLogFile.readAll(goldenDir.resolve("replay-v2-magnitude-subspace/updates.avro"));
        List<UpdateRecord> rnd = UpdateLogFile.readAll(goldenDir.resolve("replay-v2-random-selection/updates.avro"));
        UpdateMask body = new UpdateMask(List.of(TensorMask.dense(0), TensorMask.dense(1)));
        List<UpdateRecord> out = new ArrayList<>();
        for (UpdateRecord r : v1.subList(0, 40)) {
            out.add(new UpdateRecord(3, r.modelId(), r.baseSnapshotId(), r.step(), r.status(), r.decayFactor(),
                    r.perturbations(), r.epsilon(), r.learningRate(), r.batchSize(), r.lineage(),
                    r.trainerTimeMillis(), body, null, delta(specs, r.step(), 2e-3, 2, 3)));
        }
        for (UpdateRecord r : sub.subList(40, 80)) {
            out.add(r.withHeadDelta(delta(specs, r.step(), 1e-3, 3)));
        }
        UpdateRecord last = out.get(out.size() - 1);
        out.add(new UpdateRecord(1, last.modelId(), last.baseSnapshotId(), 81, UpdateStatus.SKIPPED_NON_FINITE, 1f,
                List.of(), last.epsilon(), last.learningRate(), last.batchSize(),
                List.of(new Lineage("offline:fashion-mnist-train", 0, 81 * 32, 82 * 32)), last.trainerTimeMillis()));
        for (UpdateRecord r : rnd.subList(81, 90)) {
            out.add(r.withHeadDelta(delta(specs, r.step(), 1e-3, 1)));
        }
        return out;
    }

    /** Writes the records as an update-log file in format 4 (compact); returns it. */
    static Path write(List<UpdateRecord> records, Path file) {
        return write(records, file, UpdateLogEncoding.COMPACT);
    }

    /** Writes the records as an update-log file in {@code encoding}; returns it. */
    static Path write(List<UpdateRecord> records, Path file, UpdateLogEncoding encoding) {
        try (UpdateLogFile.Writer w = new UpdateLogFile.Writer(file, encoding)) {
            records.forEach(w::append);
        }
        return file;
    }

    /** Writes snapshot, log and the Java replay's weights digest into {@code dir} (the golden layout). */
    static String writeGolden(Path goldenDir, Path snapshot, List<TensorSpec> specs, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path snap = Files.copy(snapshot, dir.resolve(snapshot.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path log = write(goldenV3(goldenDir, specs), dir.resolve("updates.avro"), UpdateLogEncoding.FULL);
        String sha = LogReplay.replay(snap, null, log).weightsSha256();
        Files.writeString(dir.resolve("weights.sha256"), sha + "\n", StandardCharsets.US_ASCII);
        return sha;
    }
}
