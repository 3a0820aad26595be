package io.seedflow.jobs.cli;

import io.seedflow.connectors.log.LogReplay;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code seedflow replay}: rebuild weights from a snapshot and an update log and print their SHA-256. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Rebuild weights from a snapshot and an update-log file; prints the weights' SHA-256.")
public final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--snapshot", required = true, description = "Base snapshot (.safetensors).")
    Path snapshot;

    @Option(names = "--log", required = true, description = "Update log: an Avro file of CompactModelUpdate records "
            + "(format 4, what train-offline and the trainer write by default) or of ModelUpdate records (formats 1 "
            + "to 3, --log-encoding full); the file's schema tells which.")
    Path log;

    @Option(names = "--snapshot-sha256", description = "Expected SHA-256 of the snapshot file (default: from its "
            + "content-addressed name).")
    String snapshotSha;

    @Option(names = "--expect-weights-sha256", description = "Fail (exit 3) unless the result has this SHA-256.")
    String expect;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        LogReplay.Result r = LogReplay.replay(snapshot, snapshotSha, log);
        String sha = r.weightsSha256();
        System.out.printf("replayed %d records onto snapshot %s in %.2f s%n", r.recordsApplied(),
                r.snapshotSha256(), (System.nanoTime() - t0) / 1e9);
        System.out.println("model=" + r.replica().modelId() + " version=" + r.replica().version());
        System.out.println("weights-sha256=" + sha);
        if (expect != null && !expect.equalsIgnoreCase(sha)) {
            System.err.println("seedflow: weights SHA-256 " + sha + " differs from the expected " + expect);
            return 3;
        }
        return 0;
    }
}
