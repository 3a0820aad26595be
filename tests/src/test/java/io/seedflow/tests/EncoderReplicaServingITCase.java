package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.replica.DirectorySnapshotSource;
import io.seedflow.connectors.replica.ModelListener;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import io.seedflow.jobs.serving.PredictionServer;
import io.seedflow.jobs.serving.ServerOptions;
import io.seedflow.jobs.serving.ServingJson;
import io.seedflow.jobs.serving.SubscriberModel;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import io.seedflow.text.TextTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code seedflow replica} serving the pretrained encoder: a MiniLM snapshot and three ZO records on a real in-JVM
 * Kafka topic, a {@link ModelUpdateSubscriber} following them, texts posted to the {@link PredictionServer}. The answers
 * must be what the encoder computes on the trainer's weights at the version each answer names. The same with LoRA
 * adapters over MiniLM: the replica loads the adapters' snapshot and the frozen base stored beside it (spec §2.1).
 */
@SuppressWarnings("unchecked") // casts of parsed JSON values
class EncoderReplicaServingITCase extends KafkaRegistryTestBase {
    private static final List<String> TEXTS = List.of("WIN a FREE cruise, click here to claim your prize now",
            "Hi Bob, the meeting moved to Thursday at 10", "cheap meds online, no prescription needed!!!",
            "Re: patch for the kernel build, please review");
    private static final int[] LABELS = {1, 0, 1, 0};
    private static final int MAX_TOKENS = 16;
    private static final int STEPS = 3;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Batch tokens;

    @BeforeAll
    static void tokenize() {
        try (TextTokenizer tokenizer = TextTokenizer.miniLm()) {
            Batch b = tokenizer.batch(TEXTS, MAX_TOKENS, i -> "text " + i);
            tokens = Batch.ofTokens(b.tokenIds(), b.tokenCounts(), LABELS, MAX_TOKENS);
        }
    }

    /** The trainer's weights at every version and its records, its base snapshot stored in {@code store}. */
    private record Training(ModelSpec spec, List<ParameterSet> weightsByVersion, List<UpdateRecord> records) {
        static Training of(ModelSpec spec, Path store) {
            ParameterSet params = spec.newModel().initialize(5);
            SnapshotStore.Ref base = new SnapshotStore(store).write(params, "m-text", 0, spec.toText());
            List<ParameterSet> weights = new ArrayList<>(List.of(params.copy()));
            List<UpdateRecord> records = new ArrayList<>();
            ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(spec), params,
                    ZoOptions.builder().learningRate(1e-3).runSeed(9).build(), "m-text", base.sha256(), 0);
            for (int s = 0; s < STEPS; s++) {
                records.add(trainer.step(tokens, List.of(new Lineage("test:m-text", 0, s * 4L, s * 4L + 4))));
                weights.add(params.copy());
            }
            return new Training(spec, weights, records);
        }

        /** Every text's probabilities in {@code answer} are the model's on the trainer's weights at {@code version}. */
        void checkAnswer(Map<Object, Object> answer, int version) {
            assertThat(answer).containsEntry("modelId", "m-text")
                    .containsEntry("modelVersion", new JsonNumber(String.valueOf(version)));
            float[][] expected = spec.newModel().probabilities(weightsByVersion.get(version), tokens);
            List<Object> predictions = (List<Object>) answer.get("predictions");
            assertThat(predictions).hasSize(TEXTS.size());
            for (int i = 0; i < TEXTS.size(); i++) {
                assertThat(floats(((Map<Object, Object>) predictions.get(i)).get("probabilities")))
                        .as("text %d at version %d", i, version).containsExactly(expected[i]);
            }
        }
    }

    private static Map<Object, Object> predict(PredictionServer server, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/predict")).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (Map<Object, Object>) ServingJson.parse(r.body());
    }

    private static float[] floats(Object jsonArray) {
        List<Object> l = (List<Object>) jsonArray;
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((JsonNumber) l.get(i)).floatValue();
        }
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"encoder:all-minilm-l6-v2:2:16", "lora:4:query+value:encoder:all-minilm-l6-v2:2:16"})
    void servesTextsOnTheVersionItFollowed(String specText, @TempDir Path store) throws Exception {
        Training training = Training.of(ModelSpecs.parse(specText), store);
        String topic = "updates-text-" + training.spec().family();
        kafka.createTopic(topic, 1);
        String body = ServingJson.write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("texts");
            for (String text : TEXTS.subList(0, 4)) {
                g.writeString(text);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        try (ModelUpdateSubscriber sub = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(topic).modelId("m-text")
                .snapshotSource(new DirectorySnapshotSource(store)).pollTimeout(Duration.ofMillis(100))
                .listener(new ModelListener() {
                }).build().start();
                PredictionServer server = PredictionServer.start(new SubscriberModel(sub, "test topic"),
                        new ServerOptions("127.0.0.1", 0, 2, ServerOptions.DEFAULT_MAX_BODY_BYTES,
                                Duration.ofSeconds(2)))) {
            assertThat(sub.awaitVersion(0, DEADLINE)).isTrue();
            training.checkAnswer(predict(server, body), 0);

            StreamingItSupport.publishInOneTransaction(kafka, registry, topic, training.records());
            assertThat(sub.awaitVersion(STEPS, DEADLINE)).isTrue();
            sub.checkError();
            training.checkAnswer(predict(server, body), STEPS);
            assertThat(training.weightsByVersion().get(STEPS).weightsSha256()).as("the records moved the model")
                    .isNotEqualTo(training.weightsByVersion().get(0).weightsSha256());
        }
    }
}
