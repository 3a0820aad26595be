package io.seedflow.operators;

import static io.seedflow.operators.ZoTrainerFunctionTest.conf;
import static io.seedflow.operators.ZoTrainerFunctionTest.examples;
import static io.seedflow.operators.ZoTrainerFunctionTest.timeless;
import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.UpdateRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint of the trainer at parallelism 1 (where the job chains decode into the trainer and keys nothing on the
 * wire) restores at parallelism 2 (where the job keys by model id): the state is keyed by model id in key groups
 * either way, so each subtask takes its models' state and continues them bit for bit.
 */
class ZoTrainerRescaleTest {
    private static final int MAX_PARALLELISM = 128;
    private static final String SPEC = "mlp:8x6x3:relu";

    @TempDir
    Path tmp;

    @Test
    void aSavepointAtParallelismOneRestoresAtParallelismTwoAndEveryModelContinuesExactly() throws Exception {
        List<String> models = modelsOnDifferentSubtasks();
        List<TrainingExample> input = interleave(models, 40);
        Map<String, List<UpdateRecord>> expected = byModel(run(conf(SPEC, tmp.resolve("a"), 5, 4), input));

        Configuration conf = conf(SPEC, tmp.resolve("b"), 5, 4);
        int cut = 47; // mid-batch for both models, log tails and buffered examples in the state
        List<UpdateRecord> records = new ArrayList<>();
        OperatorSubtaskState savepoint;
        try (var h = harness(conf, 1, 0)) {
            h.open();
            for (TrainingExample e : input.subList(0, cut)) {
                h.processElement(e, 0L);
            }
            records.addAll(h.extractOutputValues());
            savepoint = h.snapshot(1L, 1L);
        }
        for (int subtask = 0; subtask < 2; subtask++) {
            OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(savepoint,
                    MAX_PARALLELISM, 1, 2, subtask);
            try (var h = harness(conf, 2, subtask)) {
                h.initializeState(part);
                h.open();
                for (TrainingExample e : input.subList(cut, input.size())) {
                    if (owner(e.modelId) == subtask) {
                        h.processElement(e, 0L);
                    }
                }
                records.addAll(h.extractOutputValues());
            }
        }

        Map<String, List<UpdateRecord>> resumed = byModel(records);
        assertThat(resumed.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String model : models) {
            assertThat(expected.get(model)).as(model).hasSize(8);
            assertThat(timeless(resumed.get(model))).as(model).isEqualTo(timeless(expected.get(model)));
        }
    }

    private List<UpdateRecord> run(Configuration conf, List<TrainingExample> input) throws Exception {
        try (var h = harness(conf, 1, 0)) {
            h.open();
            for (TrainingExample e : input) {
                h.processElement(e, 0L);
            }
            return h.extractOutputValues();
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, UpdateRecord> harness(
            Configuration conf, int parallelism, int subtask) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new ZoTrainerFunction(conf)),
                e -> e.modelId, Types.STRING, MAX_PARALLELISM, parallelism, subtask);
    }

    private static int owner(String modelId) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(modelId, MAX_PARALLELISM, 2);
    }

    /** Two model ids that parallelism 2 puts on different subtasks, so that the restore really splits the state. */
    private static List<String> modelsOnDifferentSubtasks() {
        String first = "model-0";
        for (int i = 1; ; i++) {
            if (owner("model-" + i) != owner(first)) {
                return List.of(first, "model-" + i);
            }
        }
    }

    /** {@code perModel} examples of each model, alternating between the models. */
    private static List<TrainingExample> interleave(List<String> models, int perModel) {
        List<TrainingExample> out = new ArrayList<>();
        List<List<TrainingExample>> streams = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            streams.add(examples(perModel, 8, 3, 10 + m));
        }
        for (int i = 0; i < perModel; i++) {
            for (int m = 0; m < models.size(); m++) {
                TrainingExample e = streams.get(m).get(i);
                out.add(new TrainingExample(models.get(m), e.features, e.label, e.source, e.partition, e.offset));
            }
        }
        return out;
    }

    private static Map<String, List<UpdateRecord>> byModel(List<UpdateRecord> records) {
        Map<String, List<UpdateRecord>> out = new TreeMap<>();
        for (UpdateRecord r : records) {
            out.computeIfAbsent(r.modelId(), k -> new ArrayList<>()).add(r);
        }
        return out;
    }
}
