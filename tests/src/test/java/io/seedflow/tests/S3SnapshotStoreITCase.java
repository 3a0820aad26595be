package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.jobs.serving.StoreSnapshotSource;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.FileSystemSnapshotStore;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.operators.internal.SnapshotRetention;
import io.seedflow.operators.internal.SnapshotUploader;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Snapshots on real object storage: an S3 API server (S3Proxy over an in-memory blob store) on loopback, reached
 * through Flink's S3 file system loaded as a plugin from {@code $FLINK_PLUGINS_DIR} (target/flink-plugins, laid out
 * as in the image). The trainer on a MiniCluster writes its snapshots to {@code s3://}; replicas bootstrap from the
 * same URI (the store directly, the announcements, and the {@code seedflow replica} command in its own JVM) and hold
 * the trainer's weights bit for bit; wrong credentials and a missing bucket stop the command with one line naming
 * the URI.
 */
class S3SnapshotStoreITCase extends KafkaRegistryTestBase {
    private static final String ACCESS_KEY = "seedflow-access";
    private static final String SECRET_KEY = "seedflow-secret";
    private static final String BUCKET = "seedflow";
    private static final String MODEL = "s3-model";
    private static final int FEATURES = 16;
    private static final int CLASSES = 3;
    private static final int EVENTS = 200;
    private static final int BATCH = 10;
    private static final int SNAPSHOT_INTERVAL = 5;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static BlobStoreContext blobs;
    private static S3Proxy s3;
    private static String endpoint;

    @BeforeAll
    static void startS3() throws Exception {
        Properties p = new Properties();
        blobs = ContextBuilder.newBuilder("transient").credentials("unused", "unused").overrides(p)
                .build(BlobStoreContext.class);
        s3 = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        s3.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"STARTED".equals(s3.getState())) {
            assertThat(System.nanoTime()).as("S3Proxy started").isLessThan(deadline);
            Thread.sleep(10);
        }
        endpoint = "http://127.0.0.1:" + s3.getPort();
        blobs.getBlobStore().createContainerInLocation(null, BUCKET);
        // this JVM's file systems, as `seedflow replica --s3-endpoint ... --s3-path-style-access true` sets them
        // (keys rather than AWS_* variables here: a test cannot set its own environment)
        Configuration c = Configuration.fromMap(Map.of("s3.endpoint", endpoint, "s3.path.style.access", "true",
                "s3.access-key", ACCESS_KEY, "s3.secret-key", SECRET_KEY));
        FileSystem.initialize(c, PluginUtils.createPluginManagerFromRootFolder(c));
    }

    @AfterAll
    static void stopS3() throws Exception {
        FileSystem.initialize(new Configuration(), null); // the next test classes get the default file systems
        if (s3 != null) {
            s3.stop();
        }
        if (blobs != null) {
            blobs.close();
        }
    }

    @Test
    void storeListsReadsAndRetiresSnapshotsOnS3() throws Exception {
        FileSystemSnapshotStore store = new FileSystemSnapshotStore("s3://" + BUCKET + "/retire-test");
        store.checkReachable(); // not written yet: fine
        assertThat(store.list("m")).isEmpty();
        MlpSpec spec = MlpSpec.parse("mlp:4x3x2:relu");
        List<String> ids = new ArrayList<>();
        for (long step = 0; step < 5; step++) {
            EncodedSnapshot s = EncodedSnapshot.of("m", step, spec.toText(), new Mlp(spec).initialize(step));
            assertThat(store.write(s.sha256(), s.bytes())).isEqualTo(store.uriOf(s.sha256())).startsWith("s3://");
            ids.add(s.sha256());
        }
        assertThat(store.list("m")).extracting(FileSystemSnapshotStore.Stored::step).containsExactly(4L, 3L, 2L, 1L, 0L);
        assertThat(store.list("other-model")).isEmpty();
        assertThat(FileSystemSnapshotStore.read(store.uriOf(ids.get(2)), ids.get(2)).step()).isEqualTo(2);

        // checkpointed pointer at step 3, keep the newest 2: steps 0..2 go; 3 (the pointer) and 4 stay
        try (SnapshotUploader uploader = new SnapshotUploader(store, System::currentTimeMillis, "s3-retire-test")) {
            List<String> retired = uploader.retire("m", 3, new SnapshotRetention(2, Duration.ZERO))
                    .get(30, TimeUnit.SECONDS);
            assertThat(retired).containsExactlyInAnyOrder(ids.get(0), ids.get(1), ids.get(2));
        }
        assertThat(store.list("m")).extracting(FileSystemSnapshotStore.Stored::step).containsExactly(4L, 3L);
        assertThat(blobs.getBlobStore().blobExists(BUCKET, "retire-test/" + ids.get(0) + ".safetensors")).isFalse();
        assertThat(blobs.getBlobStore().blobExists(BUCKET, "retire-test/" + ids.get(3) + ".safetensors")).isTrue();
    }

    @Test
    void trainerWritesToS3AndReplicasBootstrapFromTheSameUri() throws Exception {
        String snapshotDir = "s3://" + BUCKET + "/snapshots";
        kafka.createTopic("s3-events", 1);
        kafka.createTopic("s3-updates", 1);
        kafka.createTopic("s3-dead-letters", 1);
        produceEvents("s3-events");

        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.BATCH_SIZE, BATCH);
        trainer.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        trainer.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, SNAPSHOT_INTERVAL);
        trainer.set(ZoTrainerOptions.MAX_WAIT, Duration.ofMinutes(1));
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshotDir);
        trainer.set(ZoTrainerOptions.SNAPSHOT_RETAIN_NEWEST, 2);
        trainer.set(ZoTrainerOptions.SNAPSHOT_RETAIN_MIN_AGE, Duration.ZERO);
        StreamingSettings settings = StreamingSettings.builder()
                .bootstrapServers(kafka.bootstrapServers()).registry(registryServer.clientOptions(null))
                .eventsTopic("s3-events").updatesTopic("s3-updates").deadLetterTopic("s3-dead-letters")
                .consumerGroup("s3-trainer").transactionalIdPrefix("s3-it").modelSpec("mlp:16x8x3:relu")
                .trainer(trainer).checkpointInterval(Duration.ofMillis(200)).bounded(true).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(1);
        StreamingPipeline.build(env, settings);
        StreamingItSupport.runToEnd(env, "s3-snapshots-it", 60);

        List<UpdatesTopic.Entry> entries = StreamingItSupport.readUpdatesTopic(kafka, registry, "s3-updates");
        List<UpdateRecord> updates = StreamingItSupport.updateRecords(entries);
        assertThat(updates).hasSize(EVENTS / BATCH);
        List<SnapshotAnnouncement> announced = StreamingItSupport.announcements(entries);
        SnapshotAnnouncement last = announced.get(announced.size() - 1);
        assertThat(last.step).isEqualTo(EVENTS / BATCH);
        assertThat(announced).allSatisfy(a -> assertThat(a.uri).startsWith(snapshotDir + "/"));
        // the bytes are in the bucket under the announced name
        assertThat(blobs.getBlobStore().blobExists(BUCKET, "snapshots/" + last.sha256 + ".safetensors")).isTrue();

        // a replica reading the trainer's store directly (what `replica --snapshot-dir s3://...` does)
        FileSystemSnapshotStore store = new FileSystemSnapshotStore(snapshotDir);
        assertThat(store.list(MODEL).get(0).step()).isEqualTo(last.step);
        try (ModelUpdateSubscriber sub = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic("s3-updates").modelId(MODEL)
                .snapshotSource(new StoreSnapshotSource(store)).build().start()) {
            assertThat(sub.awaitVersion(last.step, DEADLINE)).isTrue();
            assertThat(sub.bootstrapStep()).isEqualTo(last.step);
            assertThat(sub.weights().orElseThrow().weightsSha256()).isEqualTo(last.weightsSha256);
        }
        // a replica that knows only the topic fetches the announced s3:// URI
        try (ModelUpdateSubscriber sub = ModelUpdateSubscriber.builder().bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null)).updatesTopic("s3-updates").modelId(MODEL)
                .snapshotsFromAnnouncements().build().start()) {
            assertThat(sub.awaitVersion(last.step, DEADLINE)).isTrue();
            assertThat(sub.bootstrapStep()).isEqualTo(last.step);
            assertThat(sub.weights().orElseThrow().weightsSha256()).isEqualTo(last.weightsSha256);
        }
        // the command line replica in its own JVM: credentials from the standard AWS variables
        assertThat(cliReplicaModel(snapshotDir, "s3-updates"))
                .contains("\"bootstrapStep\":" + last.step)
                .contains("\"weightsSha256\":\"" + last.weightsSha256 + "\"");
    }

    @Test
    void wrongCredentialsAndAMissingBucketStopTheReplicaWithOneLineNamingTheUri() throws Exception {
        // the AWS SDK takes SignatureDoesNotMatch for clock skew and retries it (about 2 min with the defaults):
        // no retries here, so the test does not wait for them
        String[] noRetries = {"--s3-conf", "s3.attempts.maximum=0", "--s3-conf", "s3.retry.limit=0"};
        ChildJvm.Outcome denied = ChildJvm.seedflow(Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", "not-the-secret"),
                concat(replicaArgs("s3://" + BUCKET + "/snapshots", "any"), noRetries));
        assertThat(denied.exitCode()).as(denied.output()).isEqualTo(1);
        assertThat(denied.output()).contains("seedflow: SnapshotIntegrityException: cannot list the snapshot "
                + "directory s3://" + BUCKET + "/snapshots: AccessDeniedException").contains("403");
        assertThat(denied.output()).as("no stack trace").doesNotContainPattern("(?m)^\\s*at ");

        ChildJvm.Outcome missing = ChildJvm.seedflow(credentials(),
                concat(replicaArgs("s3://no-such-bucket/snapshots", "any"), noRetries));
        assertThat(missing.exitCode()).as(missing.output()).isEqualTo(1);
        assertThat(missing.output()).contains("seedflow: SnapshotIntegrityException: cannot list the snapshot "
                + "directory s3://no-such-bucket/snapshots").contains("NoSuchBucket");
        assertThat(missing.output()).as("no stack trace").doesNotContainPattern("(?m)^\\s*at ");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Map<String, String> credentials() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    }

    private static String[] replicaArgs(String snapshotDir, String topic) {
        return new String[] {"replica", "--bootstrap-servers", kafka.bootstrapServers(), "--registry-url",
            registryServer.url(), "--updates-topic", topic, "--model-id", MODEL, "--snapshot-dir", snapshotDir,
            "--s3-endpoint", endpoint, "--s3-path-style-access", "true", "--bind", "127.0.0.1", "--port", "0"};
    }

    /** Starts {@code seedflow replica} in a child JVM and returns its {@code /v1/model} once it has weights. */
    private static String cliReplicaModel(String snapshotDir, String topic) throws Exception {
        Process child = ChildJvm.start(credentials(), replicaArgs(snapshotDir, topic));
        StringBuffer output = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                }
            } catch (java.io.IOException e) {
                output.append("(reading the child's output failed: ").append(e).append(")\n");
            }
        });
        reader.start();
        HttpClient http = HttpClient.newHttpClient();
        try {
            Pattern serving = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+) ");
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            Matcher m;
            while (!(m = serving.matcher(output)).find()) {
                assertThat(child.isAlive()).as("child still running; output:%n%s", output).isTrue();
                assertThat(System.nanoTime()).as("serving; output:%n%s", output).isLessThan(deadline);
                Thread.sleep(50);
            }
            URI model = URI.create("http://127.0.0.1:" + m.group(1) + "/v1/model");
            while (true) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(model).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"weightsSha256\":\"")) {
                    return r.body();
                }
                assertThat(System.nanoTime()).as("weights; last %s; output:%n%s", r.body(), output)
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
        } finally {
            child.toHandle().destroy();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            reader.join(5000);
        }
    }

    private static void produceEvents(String topic) throws Exception {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        Random random = new Random(3);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < EVENTS; i++) {
                producer.send(new ProducerRecord<>(topic, MODEL.getBytes(StandardCharsets.UTF_8),
                        codec.encode(ConfluentWireFormat.valueSubject(topic),
                                StreamingItSupport.event(random, MODEL, random.nextInt(CLASSES), FEATURES, CLASSES))))
                        .get();
            }
        }
    }
}
