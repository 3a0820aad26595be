package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.replica.DirectorySnapshotSource;
import io.seedflow.connectors.replica.ModelListener;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.json.StrictJson;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import io.seedflow.jobs.serving.PredictionServer;
import io.seedflow.jobs.serving.ServerOptions;
import io.seedflow.jobs.serving.ServingJson;
import io.seedflow.jobs.serving.ServingMetrics;
import io.seedflow.jobs.serving.SubscriberModel;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seedflow replica}'s serving path end to end: a trainer's records on a real in-JVM Kafka topic, a
 * {@link ModelUpdateSubscriber} following it, the {@link PredictionServer} answering over HTTP on an ephemeral port.
 * Every answer must be what core computes on the replica's weights at the version the answer reports, while updates
 * keep arriving.
 */
@SuppressWarnings("unchecked") // casts of parsed JSON values
class ReplicaServingITCase extends KafkaRegistryTestBase {
    private static final String SPEC = "mlp:784x32x10:relu";
    private static final int STEPS = 40;
    private static final int BATCH = 32;
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path store;

    private static LabeledDataset images;
    private static SnapshotStore.Ref base;
    private static List<UpdateRecord> records;
    private static String finalSha;
    private static ParameterSet finalWeights;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** Versions the replica reached, with a copy of its weights at each (taken under its read lock). */
    static final class WeightsByVersion implements ModelListener {
        final Map<Long, ParameterSet> weights = new ConcurrentHashMap<>();

        @Override
        public void onUpdate(long version, ParameterSet w) {
            weights.put(version, w.copy());
        }

        /** The weights of {@code version}; a request can see a version just before its listener call stores them. */
        ParameterSet at(long version) throws InterruptedException {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!weights.containsKey(version) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            return weights.get(version);
        }
    }

    record Response(int status, String body) {
        Map<Object, Object> json() {
            return (Map<Object, Object>) ServingJson.parse(body);
        }

        String message() {
            return (String) json().get("message");
        }
    }

    @BeforeAll
    static void train() {
        images = FashionMnist.test(FashionMnist.defaultDir()).head(STEPS * BATCH);
        MlpSpec spec = MlpSpec.parse(SPEC);
        ParameterSet params = new Mlp(spec).initialize(5);
        base = new SnapshotStore(store).write(params, "m-serve", 0, SPEC);
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(spec), params,
                ZoOptions.builder().learningRate(1e-2).runSeed(9).build(), "m-serve", base.sha256(), 0);
        records = new ArrayList<>();
        int[] order = new int[images.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int s = 0; s < STEPS; s++) {
            records.add(trainer.step(images.batch(order, s * BATCH, BATCH),
                    List.of(new Lineage("test:m-serve", 0, (long) s * BATCH, (long) (s + 1) * BATCH))));
        }
        finalSha = params.weightsSha256();
        finalWeights = params.copy();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (RuntimeException expected) {
                // a subscriber stopped on purpose rethrows its error on close
            }
        }
    }

    private ModelUpdateSubscriber subscriber(String topic, ModelListener listener) {
        ModelUpdateSubscriber sub = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic(topic).modelId("m-serve")
                .snapshotSource(new DirectorySnapshotSource(store)).pollTimeout(Duration.ofMillis(100))
                .listener(listener).build();
        open.add(sub);
        return sub;
    }

    private PredictionServer serve(ModelUpdateSubscriber sub) {
        return serve(sub, new ServingMetrics());
    }

    private PredictionServer serve(ModelUpdateSubscriber sub, ServingMetrics metrics) {
        PredictionServer server = PredictionServer.start(new SubscriberModel(sub, "test topic"),
                new ServerOptions("127.0.0.1", 0, 2, ServerOptions.DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(2)),
                metrics);
        open.add(server);
        return server;
    }

    private static void publish(String topic, List<UpdateRecord> batch) throws Exception {
        StreamingItSupport.publishInOneTransaction(kafka, registry, topic, batch);
    }

    private static Response send(PredictionServer server, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(20));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    /** The request body {@code {"features":[...]}}. */
    /** An Open Inference Protocol v2 request of one FP32 example. */
    private static String inferRequest(float[] x) {
        return ServingJson.write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("inputs");
            g.writeStartObject();
            g.writeStringField("name", "features");
            g.writeArrayFieldStart("shape");
            g.writeNumber(1);
            g.writeNumber(x.length);
            g.writeEndArray();
            g.writeStringField("datatype", "FP32");
            g.writeFieldName("data");
            StrictJson.writeFloats(g, x);
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static String features(float[] x) {
        return ServingJson.write(g -> {
            g.writeStartObject();
            g.writeFieldName("features");
            StrictJson.writeFloats(g, x);
            g.writeEndObject();
        });
    }

    private static float[] image(int i) {
        float[] x = new float[FashionMnist.FEATURES];
        System.arraycopy(images.features(), i * x.length, x, 0, x.length);
        return x;
    }

    private static float[] floats(Object jsonArray) {
        List<Object> l = (List<Object>) jsonArray;
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((JsonNumber) l.get(i)).floatValue();
        }
        return f;
    }

    private static long integer(Object jsonNumber) {
        return Long.parseLong(((JsonNumber) jsonNumber).text());
    }

    /** Checks one prediction against core on the replica's weights at {@code version}. */
    private static void checkPrediction(Map<Object, Object> prediction, float[] x, ParameterSet weightsAtVersion,
            long version) {
        assertThat(weightsAtVersion).as("weights of version %d", version).isNotNull();
        float[] expected = new Mlp(MlpSpec.parse(SPEC)).probabilities(weightsAtVersion, x);
        float[] got = floats(prediction.get("probabilities"));
        assertThat(got).as("probabilities at version %d", version).containsExactly(expected);
        double sum = 0;
        int best = 0;
        for (int c = 0; c < got.length; c++) {
            sum += got[c];
            best = got[c] > got[best] ? c : best;
        }
        assertThat(sum).isCloseTo(1.0, Offset.offset(1e-5));
        assertThat(integer(prediction.get("label"))).isEqualTo(best);
    }

    private static void awaitReady(PredictionServer server) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (send(server, "GET", "/ready", null).status() != 200) {
            assertThat(System.nanoTime()).as("ready within %s", DEADLINE).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void answersEveryRequestFromOneVersionWhileUpdatesArrive() throws Exception {
        String topic = "updates-serve";
        kafka.createTopic(topic, 1);
        WeightsByVersion seen = new WeightsByVersion();
        seen.weights.put(0L, SnapshotStore.read(base.path(), null).parameters());
        ModelUpdateSubscriber sub = subscriber(topic, seen);
        PredictionServer server = serve(sub);

        // not started: no weights, so not ready and no predictions
        Response notReady = send(server, "GET", "/ready", null);
        assertThat(notReady.status()).isEqualTo(503);
        assertThat(notReady.message()).contains("model 'm-serve' has no weights yet");
        String one = features(image(0));
        assertThat(send(server, "POST", "/v1/predict", one).status()).isEqualTo(503);

        sub.start();
        awaitReady(server);
        Response first = send(server, "POST", "/v1/predict", one);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json()).containsEntry("modelId", "m-serve").containsEntry("modelVersion", new JsonNumber("0"));
        checkPrediction(first.json(), image(0), seen.at(0), 0);

        // publish in eight transactions while requests keep coming; each answer must match its reported version
        CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
            try {
                for (int t = 0; t < 8; t++) {
                    publish(topic, records.subList(t * STEPS / 8, (t + 1) * STEPS / 8));
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Set<Long> versions = new TreeSet<>();
        int i = 0;
        while (!publisher.isDone() || sub.version() < STEPS) {
            assertThat(i).as("replica reached version %d of %d", sub.version(), STEPS).isLessThan(5000);
            sub.checkError();
            int a = i % images.count();
            int b = (i + 7) % images.count();
            if (i % 2 == 0) {
                Response r = send(server, "POST", "/v1/predict",
                        features(image(a)));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                long v = integer(r.json().get("modelVersion"));
                versions.add(v);
                checkPrediction(r.json(), image(a), seen.at(v), v);
            } else {
                Response r = send(server, "POST", "/v1/predict", ServingJson.write(g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("instances");
                    StrictJson.writeFloats(g, image(a));
                    StrictJson.writeFloats(g, image(b));
                    g.writeEndArray();
                    g.writeEndObject();
                }));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                long v = integer(r.json().get("modelVersion"));
                versions.add(v);
                List<Object> predictions = (List<Object>) r.json().get("predictions");
                assertThat(predictions).hasSize(2);
                checkPrediction((Map<Object, Object>) predictions.get(0), image(a), seen.at(v), v);
                checkPrediction((Map<Object, Object>) predictions.get(1), image(b), seen.at(v), v);
            }
            i++;
        }
        publisher.join();
        assertThat(sub.awaitVersion(STEPS, DEADLINE)).isTrue();
        Response last = send(server, "POST", "/v1/predict", one);
        versions.add(integer(last.json().get("modelVersion")));
        checkPrediction(last.json(), image(0), seen.at(STEPS), STEPS);
        assertThat(versions).contains(0L, (long) STEPS);

        Response model = send(server, "GET", "/v1/model", null);
        assertThat(model.status()).isEqualTo(200);
        assertThat(model.json()).containsEntry("modelId", "m-serve").containsEntry("modelSpec", SPEC)
                .containsEntry("version", new JsonNumber(String.valueOf(STEPS)))
                .containsEntry("snapshotId", base.sha256()).containsEntry("bootstrapStep", new JsonNumber("0"))
                .containsEntry("weightsSha256", finalSha).containsEntry("following", Boolean.TRUE);
        Response health = send(server, "GET", "/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json()).containsEntry("status", "UP");
        assertThat(server.predictRequests()).isEqualTo(i + 2L);
        sub.checkError();
    }

    @Test
    void refusesBadInputWithTheReason() throws Exception {
        String topic = "updates-bad-input";
        kafka.createTopic(topic, 1);
        ModelUpdateSubscriber sub = subscriber(topic, new ModelListener() {
        }).start();
        PredictionServer server = serve(sub);
        awaitReady(server);
        long errorsBefore = server.errors(); // 503s while waiting for readiness

        Map<String, String> cases = Map.of(
                "{\"features\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}", "features: expected 784 features, got 10",
                "{\"instances\": [" + array(784, "0") + ", " + array(783, "0") + "]}",
                "instances[1]: expected 784 features, got 783",
                "{\"features\": [0, 1, NaN]}", "features[2]: expected a finite number within the float32 range "
                        + "(|x| <= 3.4028235E38), got NaN",
                "{\"features\": [0, 1e39]}", "features[1]: expected a finite number within the float32 range "
                        + "(|x| <= 3.4028235E38), got 1e39",
                "{\"features\": [0, 1,, 2]}", "malformed JSON at position 19: Unexpected character (',' (code 44)): "
                        + "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or "
                        + "'false')",
                "{\"features\": \"0, 1\"}", "features: expected an array of numbers, got a string \"0, 1\"",
                "{\"image\": [0]}", "unknown field \"image\"; expected \"features\" (one example) or \"instances\" "
                        + "(a batch) for a model of features, \"text\" (one text) or \"texts\" (a batch) for a text "
                        + "model");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Response r = send(server, "POST", "/v1/predict", c.getKey());
            assertThat(r.status()).as(c.getValue()).isEqualTo(400);
            assertThat(r.json()).containsEntry("code", new JsonNumber("400")).containsEntry("error", "Bad Request")
                    .containsEntry("message", c.getValue());
        }

        String tooLarge = "{\"features\": [" + "0.0,".repeat(ServerOptions.DEFAULT_MAX_BODY_BYTES / 4) + "0]}";
        Response large = send(server, "POST", "/v1/predict", tooLarge);
        assertThat(large.status()).isEqualTo(413);
        assertThat(large.message()).isEqualTo("request body: expected at most 4194304 bytes, got "
                + tooLarge.length() + " bytes; send large batches in several requests");
        Response notFound = send(server, "GET", "/v1/models", null);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.message()).startsWith("no endpoint GET /v1/models; endpoints are POST /v1/predict");
        Response wrongMethod = send(server, "PUT", "/v1/predict", "{}");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.message()).isEqualTo("method PUT is not allowed on /v1/predict; use POST");
        assertThat(server.errors() - errorsBefore).isEqualTo(cases.size() + 3L);
        assertThat(server.predictRequests()).isZero();
    }

    @Test
    void healthTurns503WhenTheReplicaStopsOnAGap() throws Exception {
        String topic = "updates-gap";
        kafka.createTopic(topic, 1);
        List<UpdateRecord> withGap = new ArrayList<>(records);
        withGap.removeIf(r -> r.step() == 5); // no snapshot covers it: the subscriber must stop at version 4
        publish(topic, withGap);
        ServingMetrics metrics = new ServingMetrics();
        ModelUpdateSubscriber sub = subscriber(topic, metrics).start();
        PredictionServer server = serve(sub, metrics);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Response health;
        while ((health = send(server, "GET", "/health", null)).status() == 200) {
            assertThat(System.nanoTime()).as("health turns 503 within %s", DEADLINE).isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.json()).containsEntry("status", "DOWN").containsEntry("modelVersion", new JsonNumber("4"));
        assertThat((String) health.json().get("message")).startsWith("stopped following test topic: "
                + "UpdateLogGapException: ").contains("expected step 5");
        // the weights of version 4 are still right: the replica stays ready and answers from them
        Response ready = send(server, "GET", "/ready", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json()).containsEntry("following", Boolean.FALSE);
        Response p = send(server, "POST", "/v1/predict",
                features(image(3)));
        assertThat(p.status()).isEqualTo(200);
        assertThat(p.json()).containsEntry("modelVersion", new JsonNumber("4"));
        // what Prometheus sees: the refusal, the version kept, the steps read but not applied
        String scraped = send(server, "GET", "/metrics", null).body();
        assertThat(scraped)
                .contains("seedflow_replica_refused_records_total{reason=\"UpdateLogGapException\"} 1.0")
                .contains("seedflow_replica_following{model=\"m-serve\"} 0.0")
                .contains("seedflow_replica_model_version{model=\"m-serve\"} 4.0")
                .contains("seedflow_replica_newest_step{model=\"m-serve\"} 6.0")
                .contains("seedflow_replica_steps_behind{model=\"m-serve\"} 2.0")
                .contains("seedflow_replica_updates_applied_total 4.0")
                .contains("seedflow_replica_apply_seconds_count 4");
    }

    @Test
    void theReplicaCommandServesUntilSigterm() throws Exception {
        String topic = "updates-cli";
        kafka.createTopic(topic, 1);
        publish(topic, records);
        Process child = ChildJvm.start("replica", "--bootstrap-servers", kafka.bootstrapServers(), "--registry-url",
                registryServer.url(), "--updates-topic", topic, "--model-id", "m-serve", "--snapshot-dir",
                store.toString(), "--bind", "127.0.0.1", "--port", "0", "--status-interval", "1");
        StringBuffer output = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                }
            } catch (IOException e) {
                output.append("(reading the child's output failed: ").append(e).append(")\n");
            }
        });
        reader.start();
        try {
            Pattern serving = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+) ");
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            Matcher m;
            while (!(m = serving.matcher(output)).find()) {
                assertThat(child.isAlive()).as("child still running; output:%n%s", output).isTrue();
                assertThat(System.nanoTime()).as("serving within %s; output:%n%s", DEADLINE, output)
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
            int port = Integer.parseInt(m.group(1));
            Response model;
            while (!(model = get(port, "/v1/model")).body().contains("\"version\":" + STEPS + ",")) {
                assertThat(System.nanoTime())
                        .as("version %d within %s; last %s; output:%n%s", STEPS, DEADLINE, model.body(), output)
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(model.json()).containsEntry("weightsSha256", finalSha);
            // the child computes with the scalar kernels (no Vector API), this JVM with the vector ones: same bits
            HttpResponse<String> predicted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/predict")).POST(HttpRequest.BodyPublishers.ofString(features(image(1)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
            Map<Object, Object> json = (Map<Object, Object>) ServingJson.parse(predicted.body());
            checkPrediction(json, image(1), finalWeights, STEPS);
            // the Open Inference Protocol v2 answers the same probabilities, and Prometheus sees the replica
            HttpResponse<String> inferred = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v2/models/m-serve/infer")).POST(HttpRequest.BodyPublishers.ofString(inferRequest(image(1))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(inferred.statusCode()).as(inferred.body()).isEqualTo(200);
            Map<Object, Object> v2 = (Map<Object, Object>) ServingJson.parse(inferred.body());
            assertThat(v2).containsEntry("model_version", Long.toString(STEPS));
            Map<Object, Object> probabilities = (Map<Object, Object>) ((List<Object>) v2.get("outputs")).get(0);
            assertThat(probabilities.get("data")).isEqualTo(json.get("probabilities"));
            String scraped = get(port, "/metrics").body();
            assertThat(scraped).contains("seedflow_replica_model_version{model=\"m-serve\"} " + STEPS + ".0")
                    .contains("seedflow_replica_steps_behind{model=\"m-serve\"} 0.0")
                    .contains("seedflow_replica_updates_applied_total " + STEPS + ".0")
                    .contains("seedflow_replica_bootstraps_total 1.0")
                    .contains("seedflow_serving_prediction_requests_total 2.0");
            // /v1/predict and /v2 infer; 503s while the test waited for version STEPS count as errors
            Pattern status = Pattern.compile("version " + STEPS + ", 2 prediction requests \\(2 examples\\), \\d+ "
                    + "errors, following");
            while (!status.matcher(output).find()) {
                assertThat(System.nanoTime()).as("status line within %s; output:%n%s", DEADLINE, output)
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        } finally {
            // SIGTERM, through the handle: Process.destroy() would also close the pipe the output is read from
            child.toHandle().destroy();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            reader.join(5000);
        }
        assertThat(output.toString()).contains("replica: bootstrapped from snapshot " + base.sha256() + " at step 0")
                .contains("replica: stopping");
        assertThat(child.exitValue()).as(output.toString()).isEqualTo(143); // 128 + SIGTERM
    }

    private static Response get(int port, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    private static String array(int n, String value) {
        return "[" + String.join(", ", Collections.nCopies(n, value)) + "]";
    }
}
