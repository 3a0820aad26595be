package io.seedflow.jobs.cli;

import io.seedflow.connectors.log.LogReplay;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import java.nio.file.Path;

/**
 * {@code seedflow demo --offline}: ZO-SGD on Fashion-MNIST in this process (no Kafka, no Flink), followed by a replay
 * of its update log onto the base snapshot that must reproduce the trainer's weights bit for bit.
 */
final class OfflineDemo {
    private OfflineDemo() {
    }

    /** Returns the exit code: 0 if the replay matched the trainer, 4 if not. */
    static int run(long steps, Path out, Path data) {
        LabeledDataset train = FashionMnist.train(data);
        LabeledDataset test = FashionMnist.test(data);
        TrainingSettings s = new TrainingSettings("fashion-mnist-mlp", MlpSpec.parse(Defaults.MODEL),
                Defaults.zo(steps, 1), steps, Defaults.BATCH, 1, 1, Math.max(1, steps / 10), 10_000,
                out, System.console() != null);
        System.out.printf("seedflow demo --offline: ZO-SGD on Fashion-MNIST (%s), %d steps; output in %s%n", s.model(),
                steps, out);
        ZoOfflineTraining.Result r = ZoOfflineTraining.run(s, train, test);
        Report.print("zo", r);
        System.out.println("replaying the update log onto the base snapshot, as a replica would ...");
        LogReplay.Result replay = LogReplay.replay(r.baseSnapshot().path(), r.baseSnapshot().sha256(), r.updateLog());
        String trainer = r.finalSnapshot().weightsSha256();
        boolean same = trainer.equals(replay.weightsSha256());
        System.out.printf("replica weights-sha256=%s after %d records: %s%n", replay.weightsSha256(),
                replay.recordsApplied(), same ? "bit-identical to the trainer" : "MISMATCH");
        System.out.println("learning curve: " + out.resolve("curve.png") + " and " + out.resolve("curve.csv"));
        return same ? 0 : 4;
    }
}
