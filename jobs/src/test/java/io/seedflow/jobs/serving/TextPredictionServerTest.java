package io.seedflow.jobs.serving;

import static io.seedflow.jobs.serving.ServingClient.floats;
import static io.seedflow.jobs.serving.ServingClient.integer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.encoder.EncoderModel;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.json.JsonNumber;
import io.seedflow.jobs.serving.PredictionServerTest.FixedModel;
import io.seedflow.jobs.serving.ServingClient.Response;
import io.seedflow.text.TextTokenizer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prediction server on a text model: the pretrained MiniLM encoder with a head from a fixed seed, texts cut at 16
 * tokens (short, so that the forward stays cheap on the build machine), served from fixed weights.
 */
@SuppressWarnings("unchecked") // casts of parsed JSON values
class TextPredictionServerTest {
    private static final EncoderSpec SPEC = EncoderSpec.parse("encoder:all-minilm-l6-v2:2:16");
    private static final String SPAM = "WIN a FREE cruise!!! Click here to claim your prize before midnight, "
            + "limited offer, act now and send your bank details";
    private static final String HAM = "Hi Bob, the meeting moved to Thursday at 10, see you there.";
    private static final String THIRD = "Re: patch for the kernel build (please review)";

    private static ParameterSet version7;
    private static ParameterSet version8;

    private final FixedModel model = new FixedModel();
    private PredictionServer server;

    @BeforeAll
    static void weights() {
        version7 = SPEC.newModel().initialize(11);
        version8 = version7.copy();
        float[] headBias = version8.tensor(SPEC.headTensor() + 1);
        headBias[1] += 0.25f; // another version: leans towards class 1
    }

    @BeforeEach
    void start() {
        model.spec = SPEC.toText();
        model.weights = version7;
        server = PredictionServer.start(model, new ServerOptions("127.0.0.1", 0, 2,
                ServerOptions.DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(2)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What the encoder computes for the texts, tokenized and padded here (ids 0 after each text's tokens). */
    private static float[][] direct(ParameterSet weights, String... texts) {
        int max = SPEC.maxTokens();
        int[] ids = new int[texts.length * max];
        int[] counts = new int[texts.length];
        try (TextTokenizer tokenizer = TextTokenizer.miniLm()) {
            for (int i = 0; i < texts.length; i++) {
                int[] t = tokenizer.encode(texts[i], max).ids();
                System.arraycopy(t, 0, ids, i * max, t.length);
                counts[i] = t.length;
            }
        }
        assertThat(counts[0]).as("the spam text is cut at maxTokens").isEqualTo(max);
        return new EncoderModel(SPEC).probabilities(weights, Batch.ofTokens(ids, counts, new int[texts.length], max));
    }

    private Response post(String body) throws Exception {
        return ServingClient.post(server, "/v1/predict", body);
    }

    private static String quoted(String text) {
        return ServingJson.write(g -> g.writeString(text));
    }

    /** The Open Inference Protocol's BYTES input (the texts), answered as {@code /v1/predict} answers them. */
    @Test
    void openInferenceProtocolTakesTextsAsBytes() throws Exception {
        OpenInferenceClient client = new OpenInferenceClient("127.0.0.1", server.port());
        com.fasterxml.jackson.databind.JsonNode meta = client.modelMetadata("m-fixed").body();
        assertThat(meta.get("inputs").toString())
                .isEqualTo("[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[-1]}]");
        assertThat(meta.get("platform").asText()).isEqualTo("seedflow_encoder");

        OpenInferenceClient.Answer answer = client.infer("m-fixed", OpenInferenceClient.bytesRequest("text", SPAM,
                HAM));
        assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(200);
        float[][] expected = direct(version7, SPAM, HAM);
        com.fasterxml.jackson.databind.JsonNode p = OpenInferenceClient.output(answer.body(), "probabilities");
        assertThat(p.get("shape").toString()).isEqualTo("[2,2]");
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 2; c++) {
                assertThat((float) p.get("data").get(n * 2 + c).asDouble()).isEqualTo(expected[n][c]);
            }
        }
        OpenInferenceClient.Answer empty = client.infer("m-fixed", OpenInferenceClient.bytesRequest("text", ""));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.error()).startsWith("inputs[0].data[0]: ");
    }

    @Test
    void oneTextAndABatchGetTheEncodersProbabilitiesBitForBit() throws Exception {
        float[][] expected = direct(version7, SPAM, HAM, THIRD);

        Response one = post("{\"text\": " + quoted(SPAM) + "}");
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        Map<Object, Object> json = one.json();
        assertThat(json.keySet()).containsExactly("modelId", "modelVersion", "label", "probabilities");
        assertThat(json.get("modelId")).isEqualTo("m-fixed");
        assertThat(integer(json.get("modelVersion"))).isEqualTo(7);
        assertThat(floats(json.get("probabilities"))).containsExactly(expected[0]);
        assertThat(integer(json.get("label"))).isEqualTo(PredictEndpoint.argmax(expected[0]));

        int readsBefore = model.reads.get();
        Response batch = post("{\"texts\": [" + quoted(SPAM) + ", " + quoted(HAM) + ", " + quoted(THIRD) + "]}");
        assertThat(batch.status()).as(batch.body()).isEqualTo(200);
        assertThat(model.reads.get() - readsBefore).as("one read of the model: one version").isEqualTo(1);
        assertThat(batch.json().keySet()).containsExactly("modelId", "modelVersion", "predictions");
        List<Object> predictions = (List<Object>) batch.json().get("predictions");
        assertThat(predictions).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Map<Object, Object> p = (Map<Object, Object>) predictions.get(i);
            assertThat(p.keySet()).containsExactly("label", "probabilities");
            assertThat(floats(p.get("probabilities"))).as("text %d", i).containsExactly(expected[i]);
            assertThat(integer(p.get("label"))).isEqualTo(PredictEndpoint.argmax(expected[i]));
        }
        assertThat(server.predictRequests()).isEqualTo(2);
        assertThat(server.predictions()).isEqualTo(4);
        assertThat(server.errors()).isZero();
    }

    @Test
    void eachRequestIsAnsweredOnTheVersionItReadAndNamesIt() throws Exception {
        String body = "{\"texts\": [" + quoted(HAM) + ", " + quoted(SPAM) + "]}";
        Response before = post(body);
        model.weights = version8;
        model.version = 8;
        Response after = post(body);

        float[][] at7 = direct(version7, SPAM, HAM);
        float[][] at8 = direct(version8, SPAM, HAM);
        assertThat(integer(before.json().get("modelVersion"))).isEqualTo(7);
        assertThat(integer(after.json().get("modelVersion"))).isEqualTo(8);
        List<Object> p7 = (List<Object>) before.json().get("predictions");
        List<Object> p8 = (List<Object>) after.json().get("predictions");
        assertThat(floats(((Map<Object, Object>) p7.get(1)).get("probabilities"))).containsExactly(at7[0]);
        assertThat(floats(((Map<Object, Object>) p8.get(1)).get("probabilities"))).containsExactly(at8[0]);
        assertThat(floats(((Map<Object, Object>) p8.get(0)).get("probabilities"))).containsExactly(at8[1]);
        assertThat(at8[0][1]).isGreaterThan(at7[0][1]);
    }

    @Test
    void badTextRequestsAre400WithTheReason() throws Exception {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("{\"text\": \"\"}", "text: text is empty; a text needs at least one word"),
                Map.entry("{\"texts\": [\"fine\", \"   \"]}",
                        "texts[1]: text is blank (3 whitespace chars); a text needs at least one word"),
                Map.entry("{\"text\": \"\\u0001\\u0002\"}", "text: text of 2 chars has no token in the vocabulary of "
                        + "all-minilm-l6-v2-tokenizer.json (only whitespace or control chars)"),
                Map.entry("{\"text\": \"" + "a ".repeat(50_001) + "\"}", "text: text has 100002 chars, the tokenizer "
                        + "accepts at most 100000 (shorten it or raise the limit)"),
                Map.entry("{\"text\": 42}", "text: expected a string, got the number 42"),
                Map.entry("{\"features\": [1, 2, 3]}", "features: model encoder:all-minilm-l6-v2:2:16 takes text; "
                        + "expected \"text\":\"...\" (one text) or \"texts\":[\"...\", ...] (a batch)"),
                Map.entry("{\"instances\": [\"free money\"]}", "instances[0]: expected an array of numbers, got a "
                        + "string \"free money\"; a batch of texts goes in \"texts\""),
                Map.entry("{\"texts\": [" + "\"a\",".repeat(PredictRequest.MAX_TEXTS) + "\"a\"]}",
                        "texts: expected at most 64 texts, got 65; send larger batches in several requests"),
                Map.entry("{\"text\": \"open", "malformed JSON at position 14: Unexpected end-of-input: was "
                        + "expecting closing quote for a string value"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Response r = post(c.getKey());
            assertThat(r.status()).as(c.getValue()).isEqualTo(400);
            assertThat(r.json()).containsEntry("code", new JsonNumber("400")).containsEntry("error", "Bad Request")
                    .containsEntry("message", c.getValue());
        }
        assertThat(server.errors()).isEqualTo(cases.size());
        assertThat(post("{\"text\": " + quoted(HAM) + "}").status()).as("still serving").isEqualTo(200);
    }

    @Test
    void textSentToAModelOfFeaturesIs400() throws Exception {
        MlpSpec mlp = MlpSpec.parse("mlp:6x5x3:relu");
        model.spec = mlp.toText();
        model.weights = new Mlp(mlp).initialize(3);
        Response r = post("{\"texts\": [\"hello\"]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.message()).isEqualTo("texts: model mlp:6x5x3:relu takes 6 features, not text; expected "
                + "\"features\":[6 numbers] (one example) or \"instances\":[[...], ...] (a batch)");
    }

    @Test
    void anEncoderWithoutATokenizerIs500NamingTheSpec() throws Exception {
        EncoderSpec random = EncoderSpec.parse("encoder:bert-L1-H8-A2-F16-V50-P16:2");
        model.spec = random.toText();
        model.weights = random.newModel().initialize(1);
        Response r = post("{\"text\": \"hello\"}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.message()).isEqualTo("model 'm-fixed' cannot be served: snapshot abc has model spec '"
                + random.toText() + "', which cannot tokenize text (invalid setting model spec=" + random.toText()
                + ": has no tokenizer: only all-minilm-l6-v2 encoders take text (the random bert-... encoders take "
                + "token ids))");
    }

    @Test
    void aClosedTokenizerPoolRefusesWith503() {
        TokenizerPool pool = new TokenizerPool();
        Batch b = pool.batch(SPEC, List.of(HAM, THIRD), i -> "texts[" + i + "]");
        assertThat(b.size()).isEqualTo(2);
        assertThat(b.featureCount()).isEqualTo(16);
        pool.close();
        assertThatThrownBy(() -> pool.batch(SPEC, List.of(HAM), i -> "text")).isInstanceOf(HttpError.class)
                .hasMessage("the server is shutting down").satisfies(e -> assertThat(((HttpError) e).status())
                        .isEqualTo(503));
    }
}
