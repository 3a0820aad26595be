package io.seedflow.jobs.cli;

import io.seedflow.connectors.log.LogReplay;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedflow demo}: the embedded default. For now an offline ZO-SGD run on Fashion-MNIST followed by a replay
 * of its update log that must reproduce the trainer's weights bit for bit. (The streaming issue turns this into the
 * Kafka + Flink pipeline.)
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Embedded default: offline ZO-SGD on Fashion-MNIST, then a bit-exact replay of its update log.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "20000", description = "Training steps (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data-dir", description = "Folder with the Fashion-MNIST IDX files (default data/fashion-mnist).")
    Path dataDir;

    @Override
    public Integer call() {
        Path data = dataDir != null ? dataDir : FashionMnist.defaultDir();
        LabeledDataset train = FashionMnist.train(data);
        LabeledDataset test = FashionMnist.test(data);
        TrainingSettings s = new TrainingSettings("fashion-mnist-mlp", MlpSpec.parse(Defaults.MODEL), Defaults.zo(steps, 1), steps,
                Integer.parseInt(Defaults.BATCH), 1, 1, Math.max(1, steps / 10), 10_000, out, System.console() != null);
        System.out.printf("seedflow demo: ZO-SGD on Fashion-MNIST (%s), %d steps; output in %s%n", s.model(), steps, out);
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
