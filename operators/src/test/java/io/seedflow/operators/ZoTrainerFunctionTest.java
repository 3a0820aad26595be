package io.seedflow.operators;

import io.seedflow.core.data.TrainingExample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SnapshotStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

class ZoTrainerFunctionTest {
    private static final String MODEL = "model-a";
    private static final String SMALL = "mlp:8x6x3:relu";

    @TempDir
    Path tmp;

    static Configuration conf(String spec, Path dir, int batch, int snapshotInterval) {
        Configuration c = new Configuration();
        c.set(ZoTrainerOptions.MODEL_SPEC, spec);
        c.set(ZoTrainerOptions.SNAPSHOT_DIR, dir.toString());
        c.set(ZoTrainerOptions.BATCH_SIZE, batch);
        c.set(ZoTrainerOptions.MAX_WAIT, Duration.ofMillis(1000));
        c.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, snapshotInterval);
        c.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        c.set(ZoTrainerOptions.PERTURBATIONS, 2);
        c.set(ZoTrainerOptions.WEIGHT_DECAY, 0.01);
        return c;
    }

    /** Random examples spread over two partitions of one topic, offsets increasing per partition. */
    static List<TrainingExample> examples(int n, int features, int classes, long seed) {
        Random rnd = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        long[] next = {100, 500};
        for (int i = 0; i < n; i++) {
            float[] x = new float[features];
            for (int j = 0; j < features; j++) {
                x[j] = (float) rnd.nextGaussian();
            }
            int p = rnd.nextInt(2);
            out.add(new TrainingExample(MODEL, x, rnd.nextInt(classes), "events", p, next[p]++));
        }
        return out;
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, UpdateRecord> harness(
            ZoTrainerFunction fn) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(fn), e -> e.modelId,
                Types.STRING);
    }

    static List<UpdateRecord> feed(KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, UpdateRecord> h,
            List<TrainingExample> examples) throws Exception {
        int before = h.extractOutputValues().size();
        for (TrainingExample e : examples) {
            h.processElement(e, 0L);
        }
        List<UpdateRecord> all = h.extractOutputValues();
        return new ArrayList<>(all.subList(before, all.size()));
    }

    /** Records without the wall-clock field, which is the only part that may differ between runs. */
    static List<UpdateRecord> timeless(List<UpdateRecord> records) {
        return records.stream().map(r -> new UpdateRecord(r.formatVersion(), r.modelId(), r.baseSnapshotId(),
                r.step(), r.status(), r.decayFactor(), r.perturbations(), r.epsilon(), r.learningRate(),
                r.batchSize(), r.lineage(), 0L, r.mask(), r.subspace())).toList();
    }

    @Test
    void fullBatchesGiveContiguousStepsAndLineageCoversEveryExampleOnce() throws Exception {
        List<TrainingExample> input = examples(23, 8, 3, 1);
        ZoTrainerFunction fn = new ZoTrainerFunction(conf(SMALL, tmp, 5, 3));
        try (var h = harness(fn)) {
            h.open();
            List<UpdateRecord> records = feed(h, input);
            assertThat(records).hasSize(4);
            h.setProcessingTime(1000); // flushes the 3 left over
            records = h.extractOutputValues();
            assertThat(records).hasSize(5);
            Set<String> seen = new HashSet<>();
            long events = 0;
            for (int i = 0; i < records.size(); i++) {
                UpdateRecord r = records.get(i);
                assertThat(r.step()).isEqualTo(i + 1);
                assertThat(r.batchSize()).isEqualTo(i < 4 ? 5 : 3);
                assertThat(r.eventCount()).isEqualTo(r.batchSize());
                for (Lineage l : r.lineage()) {
                    for (long o = l.fromOffset(); o < l.untilOffset(); o++) {
                        assertThat(seen.add(l.source() + "/" + l.partition() + "@" + o)).as("trained twice").isTrue();
                        events++;
                    }
                }
            }
            assertThat(events).isEqualTo(23);
            for (TrainingExample e : input) {
                assertThat(seen).contains(e.source + "/" + e.partition + "@" + e.offset);
            }
            // snapshot every 3 steps: steps 1-3 name the base snapshot, 4-5 the step-3 snapshot
            assertThat(records.get(3).baseSnapshotId()).isNotEqualTo(records.get(0).baseSnapshotId());
            assertThat(records.get(2).baseSnapshotId()).isEqualTo(records.get(0).baseSnapshotId());
        }
    }

    @Test
    void maxWaitTimerFlushesAPartialBatch() throws Exception {
        ZoTrainerFunction fn = new ZoTrainerFunction(conf(SMALL, tmp, 8, 100));
        try (var h = harness(fn)) {
            h.open();
            h.setProcessingTime(10);
            assertThat(feed(h, examples(3, 8, 3, 2))).isEmpty();
            h.setProcessingTime(1009);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(1010);
            List<UpdateRecord> records = h.extractOutputValues();
            assertThat(records).hasSize(1);
            assertThat(records.get(0).batchSize()).isEqualTo(3);
            assertThat(records.get(0).step()).isEqualTo(1);
            h.setProcessingTime(5000); // nothing buffered: no empty step
            assertThat(h.extractOutputValues()).hasSize(1);
        }
    }

    /** Extra settings under which a restore must continue exactly (masks, subspace window, momentum history). */
    static Stream<Arguments> refinements() {
        return Stream.of(
                Arguments.of("dense ZO-SGD", Map.of()),
                Arguments.of("magnitude mask once + subspace head", Map.of(
                        "seedflow.zo.perturbations", "1",
                        "seedflow.zo.sparse.mask", "MAGNITUDE", "seedflow.zo.sparse.sparsity", "0.5",
                        "seedflow.zo.sparse.refresh-steps", "0",
                        "seedflow.zo.subspace.tensors", "layers.1.weight;layers.1.bias",
                        "seedflow.zo.subspace.window", "3", "seedflow.zo.subspace.variance-threshold", "0.3")),
                Arguments.of("momentum + random mask, head only", Map.of(
                        "seedflow.zo.perturbations", "1", "seedflow.zo.variant", "MOMENTUM",
                        "seedflow.zo.momentum-terms", "5", "seedflow.zo.sparse.mask", "RANDOM",
                        "seedflow.zo.sparse.sparsity", "0.3", "seedflow.zo.trainable-tensors",
                        "layers.1.weight;layers.1.bias")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refinements")
    void restoreFromCheckpointContinuesBitExactly(String name, Map<String, String> extra) throws Exception {
        List<TrainingExample> input = examples(61, 8, 3, 3);
        Configuration confA = conf(SMALL, tmp.resolve("a"), 5, 4);
        extra.forEach(confA::setString);
        Configuration confB = conf(SMALL, tmp.resolve("b"), 5, 4);
        extra.forEach(confB::setString);
        // snapshot every 4 steps, batch 5: the cut at 37 examples is after step 7 with 2 examples buffered
        // and 3 records in the log tail
        List<UpdateRecord> expected;
        String expectedWeights;
        Path dirA = tmp.resolve("a");
        ZoTrainerFunction uninterrupted = new ZoTrainerFunction(confA);
        try (var h = harness(uninterrupted)) {
            h.open();
            expected = feed(h, input);
            expectedWeights = uninterrupted.weightsSha256(MODEL);
        }
        assertThat(expected).hasSize(12);

        Path dirB = tmp.resolve("b");
        List<UpdateRecord> before;
        OperatorSubtaskState state;
        try (var h = harness(new ZoTrainerFunction(confB))) {
            h.open();
            before = feed(h, input.subList(0, 37));
            state = h.snapshot(1L, 1L);
        }
        assertThat(before).hasSize(7);
        ZoTrainerFunction restored = new ZoTrainerFunction(confB);
        List<UpdateRecord> after;
        try (var h = harness(restored)) {
            h.initializeState(state);
            h.open();
            after = feed(h, input.subList(37, input.size()));
            assertThat(restored.weightsSha256(MODEL)).isEqualTo(expectedWeights);
        }
        List<UpdateRecord> resumed = new ArrayList<>(before);
        resumed.addAll(after);
        assertThat(timeless(resumed)).isEqualTo(timeless(expected));

        // a replica from the base snapshot, applying every record, holds the trainer's weights
        String baseId = expected.get(0).baseSnapshotId();
        Snapshot base = SnapshotStore.read(dirB.resolve(baseId + ".safetensors"), baseId);
        Replica replica = new Replica(MODEL, base.parameters(), base.step());
        resumed.forEach(replica::apply);
        assertThat(replica.parameters().weightsSha256()).isEqualTo(expectedWeights);
    }

    /** Values are the decode stage's to check; an example of another shape means a miswired job and fails it. */
    @Test
    void anExampleThatDoesNotFitTheSpecFailsTheTrainerNamingTheShapes() throws Exception {
        try (var h = harness(new ZoTrainerFunction(conf(SMALL, tmp, 5, 100)))) {
            h.open();
            TrainingExample narrow = new TrainingExample(MODEL, new float[7], 0, "events", 0, 0);
            TrainingExample badLabel = new TrainingExample(MODEL, new float[8], 3, "events", 0, 1);
            for (TrainingExample e : List.of(narrow, badLabel)) {
                assertThatThrownBy(() -> h.processElement(e, 0))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("expects 8 features and a label in [0, 3)")
                        .hasMessageContaining("features=" + e.features.length)
                        .hasMessageContaining("label " + e.label);
            }
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void endOfInputTrainsTheLastPartialBatch() throws Exception {
        try (var h = harness(new ZoTrainerFunction(conf(SMALL, tmp, 5, 100)))) {
            h.open();
            assertThat(feed(h, examples(13, 8, 3, 4))).hasSize(2);
            h.processWatermark(Long.MAX_VALUE); // the final watermark of a bounded input
            List<UpdateRecord> records = h.extractOutputValues();
            assertThat(records).hasSize(3);
            assertThat(records.get(2).batchSize()).isEqualTo(3);
        }
    }

    @Test
    void storedSnapshotsAreAnnouncedAndARestoreRetakesThoseNotYetStored() throws Exception {
        List<TrainingExample> input = examples(60, 8, 3, 5);
        Path dir = tmp.resolve("store");
        OperatorSubtaskState state;
        List<UpdateRecord> before;
        try (var h = harness(new ZoTrainerFunction(conf(SMALL, dir, 5, 4)))) {
            h.open();
            // 8 steps; the step-8 snapshot is taken by the element that made step 8, so the checkpoint right after
            // still points at an older snapshot and holds step 8 in the tail
            // steps 1-4, then wait until the step-4 snapshot is stored and announced (uploads are asynchronous; on a
            // slow disk it could otherwise still be pending at the checkpoint and be re-taken after the restore)
            before = new ArrayList<>(feed(h, input.subList(0, 20)));
            for (long t = 1; t <= 100 && announcements(h).stream().noneMatch(a -> a.step == 4); t++) {
                Thread.sleep(20);
                h.setProcessingTime(t * 100); // polls the upload
            }
            assertThat(announcements(h)).extracting(a -> a.step).contains(4L);
            before.addAll(feed(h, input.subList(20, 40)));
            state = h.snapshot(1L, 1L);
            List<SnapshotAnnouncement> announced = announcements(h);
            assertThat(announced).isNotEmpty();
            assertThat(announced.get(0).step).isZero();
            assertThat(announced.stream().mapToLong(a -> a.step).toArray()).isSorted().doesNotContain(8L);
        }
        String step8Base;
        try (var h = harness(new ZoTrainerFunction(conf(SMALL, dir, 5, 4)))) {
            h.initializeState(state);
            h.open();
            List<UpdateRecord> after = feed(h, input.subList(40, 45));
            assertThat(after).hasSize(1);
            step8Base = after.get(0).baseSnapshotId();
            for (long t = 1; t <= 50 && announcements(h).stream().noneMatch(a -> a.step == 8); t++) {
                Thread.sleep(20);
                h.setProcessingTime(t * 100); // polls the upload
            }
            List<SnapshotAnnouncement> announced = announcements(h);
            assertThat(announced).extracting(a -> a.step).containsExactly(8L);
            assertThat(announced.get(0).sha256).isEqualTo(step8Base);
            Snapshot s = SnapshotStore.read(Path.of(java.net.URI.create(announced.get(0).uri)), step8Base);
            assertThat(s.step()).isEqualTo(8);
            Replica replica = new Replica(MODEL, SnapshotStore.read(dir.resolve(before.get(0).baseSnapshotId()
                    + ".safetensors"), before.get(0).baseSnapshotId()).parameters(), 0);
            before.forEach(replica::apply);
            assertThat(s.parameters().weightsSha256()).isEqualTo(replica.parameters().weightsSha256());
        }
    }

    private static List<SnapshotAnnouncement> announcements(
            KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, UpdateRecord> h) {
        var queue = h.getSideOutput(ZoTrainerFunction.SNAPSHOTS);
        return queue == null ? List.of() : queue.stream().map(r -> r.getValue()).toList();
    }

    @Test
    void checkpointSizeDoesNotGrowWithModelSize() throws Exception {
        List<TrainingExample> input = examples(26, 784, 10, 4); // 6 steps of 4, 2 buffered
        long small = checkpointBytes("mlp:784x16x10:relu", tmp.resolve("s"), input);
        long large = checkpointBytes("mlp:784x256x10:relu", tmp.resolve("l"), input);
        long smallWeightBytes = 4L * (784 * 16 + 16 + 16 * 10 + 10);
        long largeWeightBytes = 4L * (784 * 256 + 256 + 256 * 10 + 10);
        assertThat(largeWeightBytes).isGreaterThan(15 * smallWeightBytes);
        assertThat(Math.abs(large - small)).as("state bytes %d vs %d", small, large).isLessThanOrEqualTo(small / 100);
        assertThat(large).isLessThan(smallWeightBytes / 2);
    }

    private long checkpointBytes(String spec, Path dir, List<TrainingExample> input) throws Exception {
        try (var h = harness(new ZoTrainerFunction(conf(spec, dir, 4, 4)))) {
            h.open();
            assertThat(feed(h, input)).hasSize(6);
            // the same state for both models: the step-4 snapshot stored (its upload is asynchronous, and takes
            // longer for the larger model) and the tail truncated at it
            for (long t = 1; t <= 250 && announcements(h).stream().noneMatch(a -> a.step == 4); t++) {
                Thread.sleep(20);
                h.setProcessingTime(t * 100); // polls the upload
            }
            assertThat(announcements(h)).extracting(a -> a.step).contains(4L);
            return h.snapshot(1L, 1L).getStateSize();
        }
    }

    @Test
    void invalidSettingsFailAtConstructionNamingTheKey() {
        Configuration c = conf(SMALL, tmp, 0, 4);
        assertThatThrownBy(() -> new ZoTrainerFunction(c)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("seedflow.trainer.batch-size=0");
        Configuration noDir = conf(SMALL, tmp, 4, 4);
        noDir.removeConfig(ZoTrainerOptions.SNAPSHOT_DIR);
        assertThatThrownBy(() -> new ZoTrainerFunction(noDir)).hasMessageContaining("seedflow.snapshot.dir");
        Configuration probeGroups = conf(SMALL, tmp, 4, 4);
        probeGroups.set(ZoTrainerOptions.PROBE_GROUPS, 3); // q = 2
        assertThatThrownBy(() -> new ZoTrainerFunction(probeGroups))
                .hasMessageContaining("seedflow.trainer.probe-groups=3: must divide seedflow.zo.perturbations (2)");
    }

    private static final String ENCODER = "encoder:bert-L2-H32-A4-F64-V100-P16:3:16";

    /** Tokenized texts (as the decode stage emits them): [CLS]=1 … [SEP]=2, 3 to 16 ids from a vocabulary of 100. */
    static List<TrainingExample> textExamples(int n, long seed) {
        Random rnd = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[3 + rnd.nextInt(14)];
            ids[0] = 1;
            for (int t = 1; t < ids.length - 1; t++) {
                ids[t] = 3 + rnd.nextInt(97);
            }
            ids[ids.length - 1] = 2;
            out.add(TrainingExample.ofTokens(MODEL, ids, rnd.nextInt(3), "texts", 0, 1000 + i));
        }
        return out;
    }

    static Stream<Arguments> encoderRefinements() {
        return Stream.of(
                Arguments.of("dense ZO", Map.of()),
                Arguments.of("hybrid: exact head, ZO body with a magnitude mask", Map.of(
                        "seedflow.zo.perturbations", "1", "seedflow.zo.head-learning-rate", "0.5",
                        "seedflow.zo.sparse.mask", "MAGNITUDE", "seedflow.zo.sparse.sparsity", "0.5",
                        "seedflow.zo.trainable-tensors", "layers.1.ffn_out.weight;layers.1.ffn_out.bias")));
    }

    /** Text events train the encoder; a restore mid-stream continues bit for bit, a replica included. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("encoderRefinements")
    void anEncoderTrainsOnTokenizedTextAndRestoresBitExactly(String name, Map<String, String> extra)
            throws Exception {
        List<TrainingExample> input = textExamples(43, 9);
        Configuration confA = conf(ENCODER, tmp.resolve("a"), 4, 3);
        extra.forEach(confA::setString);
        Configuration confB = conf(ENCODER, tmp.resolve("b"), 4, 3);
        extra.forEach(confB::setString);
        ZoTrainerFunction uninterrupted = new ZoTrainerFunction(confA);
        List<UpdateRecord> expected;
        String expectedWeights;
        try (var h = harness(uninterrupted)) {
            h.open();
            expected = feed(h, input);
            expectedWeights = uninterrupted.weightsSha256(MODEL);
        }
        assertThat(expected).hasSize(10);
        if (extra.containsKey("seedflow.zo.head-learning-rate")) {
            assertThat(expected).allSatisfy(r -> assertThat(r.headDelta()).isNotNull());
        }
        List<UpdateRecord> resumed;
        OperatorSubtaskState state;
        try (var h = harness(new ZoTrainerFunction(confB))) {
            h.open();
            resumed = new ArrayList<>(feed(h, input.subList(0, 22))); // 5 steps, 2 buffered, tail past a snapshot
            state = h.snapshot(1L, 1L);
        }
        ZoTrainerFunction restored = new ZoTrainerFunction(confB);
        try (var h = harness(restored)) {
            h.initializeState(state);
            h.open();
            resumed.addAll(feed(h, input.subList(22, input.size())));
            assertThat(restored.weightsSha256(MODEL)).isEqualTo(expectedWeights);
        }
        assertThat(timeless(resumed)).isEqualTo(timeless(expected));
        String baseId = expected.get(0).baseSnapshotId();
        Snapshot base = SnapshotStore.read(tmp.resolve("b").resolve(baseId + ".safetensors"), baseId);
        Replica replica = new Replica(MODEL, base.parameters(), base.step());
        resumed.forEach(replica::apply);
        assertThat(replica.parameters().weightsSha256()).isEqualTo(expectedWeights);
    }

    /** Holdout examples and the prequential score live in keyed state: both go on after a restore. */
    @Test
    void holdoutAndPrequentialScoresSurviveARestore() throws Exception {
        Configuration c = conf(SMALL, tmp, 5, 100);
        c.set(ZoTrainerOptions.HOLDOUT_SOURCE, "holdout");
        c.set(ZoTrainerOptions.HOLDOUT_EVAL_INTERVAL, 1);
        c.set(ZoTrainerOptions.PREQUENTIAL_WINDOW, 7);
        List<TrainingExample> holdout = new ArrayList<>();
        for (TrainingExample e : examples(12, 8, 3, 21)) {
            holdout.add(new TrainingExample(MODEL, e.features, e.label, "holdout", 0, e.offset));
        }
        OperatorSubtaskState state;
        try (var h = harness(new ZoTrainerFunction(c))) {
            h.open();
            feed(h, holdout);
            ZoTrainerFunction fn = (ZoTrainerFunction) ((KeyedProcessOperator<?, ?, ?>) h.getOneInputOperator())
                    .getUserFunction();
            assertThat(feed(h, examples(20, 8, 3, 22))).hasSize(4);
            assertThat(fn.lastPrequentialTotal().examples()).isEqualTo(20);
            assertThat(fn.lastHoldoutAccuracy()).isBetween(0.0, 1.0);
            state = h.snapshot(1L, 1L);
        }
        ZoTrainerFunction restored = new ZoTrainerFunction(c);
        try (var h = harness(restored)) {
            h.initializeState(state);
            h.open();
            assertThat(feed(h, examples(5, 8, 3, 23))).hasSize(1); // no holdout event since the restore
            assertThat(restored.lastHoldoutAccuracy()).as("holdout evaluated from restored state").isBetween(0.0, 1.0);
            assertThat(restored.lastPrequentialTotal().examples()).as("prequential total continues").isEqualTo(25);
        }
    }

    @Test
    void aTextExampleForADenseModelAndViceVersaFailTheTrainer() throws Exception {
        try (var h = harness(new ZoTrainerFunction(conf(SMALL, tmp.resolve("d"), 5, 100)))) {
            h.open();
            assertThatThrownBy(() -> h.processElement(textExamples(1, 1).get(0), 0))
                    .hasMessageContaining("expects 8 features");
        }
        try (var h = harness(new ZoTrainerFunction(conf(ENCODER, tmp.resolve("t"), 5, 100)))) {
            h.open();
            assertThatThrownBy(() -> h.processElement(examples(1, 8, 3, 1).get(0), 0))
                    .hasMessageContaining("expects 1 to 16 token ids");
        }
    }
}
