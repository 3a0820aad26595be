package io.seedflow.text;

import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * Trainer vs replica for one setting: K ZO steps of a {@link TrainingSession} from the base weights (each on its own
 * batch of full-length mails), the records kept; then a {@link Replica} from a copy of the same base applies them in
 * order, each apply timed alone. Both run on the same ForkJoinPool. The replica regenerates z from each record's seed
 * for every trained element; it computes no loss.
 */
final class EncoderReplayMeasure {
    /**
     * Medians over the K steps; {@code bytes} is the Avro body of the last record (all records of a run are alike),
     * {@code maskBytes} the part of it that the record's mask takes (0 without a mask).
     */
    record Result(String setting, int steps, double trainMs, double applyMs, int formatVersion, int bytes,
            int maskBytes, String trainerSha, String replicaSha) {
        double replayOverTraining() {
            return trainMs / applyMs;
        }

        boolean match() {
            return trainerSha.equals(replicaSha);
        }
    }

    private EncoderReplayMeasure() {
    }

    /** {@code baseId}: the id the records name as their base (the SHA-256 of the base snapshot, as in production). */
    static Result run(String setting, ZoOptions options, EncoderSpec spec, ParameterSet base, String baseId,
            LabeledDataset data, int batchSize, int steps, ForkJoinPool pool) throws Exception {
        int batches = data.count() / batchSize;
        double[] train = new double[steps];
        double[] apply = new double[steps];
        List<UpdateRecord> records = new ArrayList<>();
        String trainerSha;
        try (TrainingSession session = TrainingSession.resume("bench", spec, options, base.copy(), baseId, 0,
                BackendFactory.cpu())) {
            for (int k = 0; k < steps; k++) {
                int from = (k % batches) * batchSize;
                Batch batch = data.batch(FullLengthTexts.identity(data.count()), from, batchSize);
                List<Lineage> lineage = List.of(new Lineage("mails", 0, from, from + batchSize));
                long start = System.nanoTime();
                records.add(pool.submit(() -> session.step(batch, lineage)).get());
                train[k] = (System.nanoTime() - start) / 1e6;
            }
            trainerSha = session.weightsSha256();
        }
        Replica replica = new Replica("bench", base.copy(), 0);
        for (int k = 0; k < steps; k++) {
            UpdateRecord r = records.get(k);
            long start = System.nanoTime();
            pool.submit(() -> replica.apply(r)).get();
            apply[k] = (System.nanoTime() - start) / 1e6;
        }
        UpdateRecord last = records.get(steps - 1);
        int bytes = UpdateRecordCodec.avroBodySize(last);
        return new Result(setting, steps, median(train), median(apply), last.formatVersion(), bytes,
                bytes - UpdateRecordCodec.avroBodySize(withoutMask(last)), trainerSha,
                replica.parameters().weightsSha256());
    }

    /** The record with no mask (format 1, or 3 with a head delta); only to size the mask's part of the body. */
    private static UpdateRecord withoutMask(UpdateRecord r) {
        return new UpdateRecord(UpdateRecord.formatVersionFor(null, r.subspace(), r.headDelta()), r.modelId(),
                r.baseSnapshotId(), r.step(), r.status(), r.decayFactor(), r.perturbations(), r.epsilon(),
                r.learningRate(), r.batchSize(), r.lineage(), r.trainerTimeMillis(), null, r.subspace(), r.headDelta());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
