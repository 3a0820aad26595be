package io.seedflow.jobs.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.operators.ZoTrainerOptions;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.runtime.partitioner.ForwardPartitioner;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job graph the pipeline builds (nothing runs): at parallelism 1 decode and trainer are one task (a forward edge,
 * no hash partitioning, no serialization between them); at a larger parallelism the examples are keyed by model id;
 * the trainer's uid is the same in both, so savepoints map onto it either way.
 */
class StreamingPipelineGraphTest {
    @TempDir
    Path snapshots;

    @Test
    void atParallelismOneDecodeIsChainedIntoTheTrainer() {
        StreamGraph graph = graph(1, false);

        StreamNode trainer = node(graph, StreamingPipeline.TRAINER_UID);
        assertThat(trainer.getInEdges()).singleElement()
                .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(ForwardPartitioner.class))
                .satisfies(e -> assertThat(graph.getStreamNode(e.getSourceId()).getTransformationUID())
                        .isEqualTo(StreamingPipeline.DECODE_UID));
        JobVertex task = vertexOf(graph.getJobGraph(), "ZO trainer");
        assertThat(task.getName()).contains("events: events").contains("decode and validate");
        assertThat(graph.getExecutionConfig().isObjectReuseEnabled())
                .as("chained operators pass the example on without copying its features").isTrue();
    }

    @Test
    void atALargerParallelismTheExamplesAreKeyedByModelId() {
        StreamGraph graph = graph(2, false);

        StreamNode trainer = node(graph, StreamingPipeline.TRAINER_UID);
        assertThat(trainer.getInEdges()).singleElement()
                .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(KeyGroupStreamPartitioner.class));
        assertThat(vertexOf(graph.getJobGraph(), "ZO trainer").getName()).doesNotContain("decode and validate");
    }

    /** The holdout stream joins the trainer's input; at parallelism 1 neither input is hash-partitioned. */
    @Test
    void withAHoldoutTopicNoInputOfTheTrainerIsHashPartitionedAtParallelismOne() {
        StreamNode trainer = node(graph(1, true), StreamingPipeline.TRAINER_UID);

        assertThat(trainer.getInEdges()).hasSize(2).extracting(StreamEdge::getPartitioner)
                .allSatisfy(p -> assertThat(p).isInstanceOf(ForwardPartitioner.class));
    }

    @Test
    void operatorUidsAndTheTrainersKeyAreTheSameAtEveryParallelism() {
        List<String> uids = List.of(StreamingPipeline.SOURCE_UID, StreamingPipeline.DECODE_UID,
                StreamingPipeline.TRAINER_UID, StreamingPipeline.UPDATES_SINK_UID,
                StreamingPipeline.DEAD_LETTER_SINK_UID, StreamingPipeline.ANNOUNCEMENTS_SINK_UID);
        for (int parallelism : new int[] {1, 2}) {
            StreamGraph graph = graph(parallelism, false);
            for (String uid : uids) {
                assertThat(node(graph, uid)).as("operator %s at parallelism %d", uid, parallelism).isNotNull();
            }
            StreamNode trainer = node(graph, StreamingPipeline.TRAINER_UID);
            assertThat(trainer.getStatePartitioners()).hasSize(1);
            assertThat(trainer.getStateKeySerializer().createInstance()).as("the state key is the model id (a String)")
                    .isEqualTo("");
        }
    }

    private StreamGraph graph(int parallelism, boolean holdout) {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        StreamingSettings.Builder b = StreamingSettings.builder().bootstrapServers("127.0.0.1:9")
                .registry(RegistryClientOptions.builder().url("http://127.0.0.1:9").build())
                .eventsTopic("events").updatesTopic("updates").deadLetterTopic("dead-letters")
                .modelSpec("mlp:16x8x3:relu").trainer(trainer);
        if (holdout) {
            b.holdoutTopic("holdout");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(parallelism);
        StreamingPipeline.build(env, b.build());
        return env.getStreamGraph();
    }

    private static StreamNode node(StreamGraph graph, String uid) {
        return graph.getStreamNodes().stream().filter(n -> uid.equals(n.getTransformationUID())).findFirst()
                .orElse(null);
    }

    private static JobVertex vertexOf(JobGraph jobGraph, String operatorName) {
        for (JobVertex v : jobGraph.getVertices()) {
            if (v.getName().contains(operatorName)) {
                return v;
            }
        }
        throw new AssertionError("no task runs " + operatorName);
    }
}
