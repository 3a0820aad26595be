package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.replica.DirectorySnapshotSource;
import io.seedflow.connectors.replica.ModelListener;
import io.seedflow.connectors.replica.ModelUpdateSubscriber;
import io.seedflow.core.compute.CpuBackend;
import io.seedflow.core.error.UpdateLogGapException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoSgdTrainer;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica client against a real in-JVM Kafka broker and the embedded schema registry: a model trained offline
 * with ZO-SGD, its base snapshot in a snapshot store, its records on the updates topic in the wire format; the
 * subscriber must reach the trainer's weights bit for bit, re-bootstrap over a gap a snapshot covers, and stop with
 * the gap error (never skip) when none does.
 */
class ModelUpdateSubscriberITCase extends KafkaRegistryTestBase {
    private static final String SPEC = "mlp:16x8x3:relu";
    private static final int STEPS = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(20);



    /** An offline training run: base snapshot, all records, and the weights after chosen steps. */
    record Run(String modelId, SnapshotStore.Ref base, List<UpdateRecord> records, ParameterSet atStep150,
            String finalSha) {
    }

    private static Run train(String modelId, Path store) {
        MlpSpec spec = MlpSpec.parse(SPEC);
        ParameterSet params = new Mlp(spec).initialize(7);
        SnapshotStore.Ref base = new SnapshotStore(store).write(params, modelId, 0, SPEC);
        ZoSgdTrainer trainer = new ZoSgdTrainer(new CpuBackend(spec), params,
                ZoOptions.builder().learningRate(1e-2).perturbations(2).runSeed(11).build(), modelId, base.sha256(),
                0);
        Random rnd = new Random(3);
        List<UpdateRecord> records = new ArrayList<>();
        ParameterSet at150 = null;
        for (int s = 1; s <= STEPS; s++) {
            int n = 8;
            float[] x = new float[n * 16];
            int[] y = new int[n];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < n; i++) {
                y[i] = rnd.nextInt(3);
            }
            records.add(trainer.step(new Batch(x, y, n, 16), List.of(new Lineage("offline:" + modelId, 0,
                    (long) (s - 1) * n, (long) s * n))));
            if (s == 150) {
                at150 = params.copy();
            }
        }
        assertThat(trainer.version()).isEqualTo(STEPS);
        return new Run(modelId, base, records, at150, params.weightsSha256());
    }

    private static void publish(String topic, List<UpdateRecord> records) throws Exception {
        kafka.createTopic(topic, 1);
        StreamingItSupport.publishInOneTransaction(kafka, registry, topic, records);
    }

    private static ModelUpdateSubscriber subscriber(String topic, String modelId, Path store, ModelListener l) {
        return ModelUpdateSubscriber.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null))
                .updatesTopic(topic)
                .modelId(modelId)
                .snapshotSource(new DirectorySnapshotSource(store))
                .pollTimeout(Duration.ofMillis(100))
                .listener(l)
                .build();
    }

    /** Records events, for assertions. */
    static final class Events implements ModelListener {
        final List<Long> bootstraps = new CopyOnWriteArrayList<>();
        final List<Long> updates = new CopyOnWriteArrayList<>();
        final List<Exception> errors = new CopyOnWriteArrayList<>();

        @Override
        public void onUpdate(long version, ParameterSet weights) {
            updates.add(version);
        }

        @Override
        public void onBootstrap(long step, String snapshotId) {
            bootstraps.add(step);
        }

        @Override
        public void onError(Exception error) {
            errors.add(error);
        }
    }

    @Test
    void followsTheTopicToTheTrainersWeights(@TempDir Path store) throws Exception {
        Run run = train("m-follow", store);
        // interleave another model's records: they must be ignored
        List<UpdateRecord> onTopic = new ArrayList<>();
        Run other = train("m-other", store.resolve("other"));
        for (int i = 0; i < STEPS; i++) {
            onTopic.add(run.records().get(i));
            if (i < 20) {
                onTopic.add(other.records().get(i));
            }
        }
        publish("updates-follow", onTopic);
        Events events = new Events();
        try (ModelUpdateSubscriber sub = subscriber("updates-follow", run.modelId(), store, events).start()) {
            assertThat(sub.awaitVersion(STEPS, DEADLINE)).as("reached version %d, at %d", STEPS, sub.version())
                    .isTrue();
            assertThat(sub.version()).isEqualTo(STEPS);
            assertThat(sub.weightsSha256()).isEqualTo(run.finalSha());
            assertThat(sub.weights().orElseThrow().weightsSha256()).isEqualTo(run.finalSha());
            assertThat(sub.snapshotId()).isEqualTo(run.base().sha256());
            sub.checkError();
        }
        assertThat(events.bootstraps).containsExactly(0L);
        assertThat(events.updates).hasSize(STEPS);
        assertThat(events.updates.get(STEPS - 1)).isEqualTo(STEPS);
        assertThat(events.errors).isEmpty();
    }

    @Test
    void reBootstrapsOverAGapThatASnapshotCovers(@TempDir Path store) throws Exception {
        Run run = train("m-gap-covered", store);
        // step 120 is missing; a snapshot at step 150 covers it
        List<UpdateRecord> withGap = new ArrayList<>(run.records());
        withGap.removeIf(r -> r.step() == 120);
        publish("updates-gap-covered", withGap);
        SnapshotStore.Ref at150 = new SnapshotStore(store).write(run.atStep150(), run.modelId(), 150, SPEC);
        // the subscriber starts from the newest snapshot (150); to hit the gap it must start from the base, so the
        // snapshot at 150 appears only after the first bootstrap
        Path liveStore = store.resolve("live");
        new SnapshotStore(liveStore).write(
                SnapshotStore.read(run.base().path(), null).parameters(), run.modelId(), 0,
                SPEC);
        Events events = new Events();
        ModelListener publishSnapshotOnBootstrap = new ModelListener() {
            @Override
            public void onBootstrap(long step, String snapshotId) {
                if (step == 0) {
                    new SnapshotStore(liveStore).write(run.atStep150(), run.modelId(), 150, SPEC);
                }
            }
        };
        try (ModelUpdateSubscriber sub = subscriber("updates-gap-covered", run.modelId(), liveStore, events)) {
            sub.addListener(publishSnapshotOnBootstrap).start();
            assertThat(sub.awaitVersion(STEPS, DEADLINE)).as("at %d", sub.version()).isTrue();
            assertThat(sub.weightsSha256()).isEqualTo(run.finalSha());
            assertThat(sub.snapshotId()).isEqualTo(at150.sha256());
        }
        assertThat(events.bootstraps).containsExactly(0L, 150L);
        assertThat(events.updates).contains(119L).doesNotContain(120L, 150L).contains(151L, (long) STEPS);
        assertThat(events.errors).isEmpty();
    }

    @Test
    void stopsWithTheGapErrorWhenNoSnapshotCoversIt(@TempDir Path store) throws Exception {
        Run run = train("m-gap-open", store);
        List<UpdateRecord> withGap = new ArrayList<>(run.records());
        withGap.removeIf(r -> r.step() == 120);
        publish("updates-gap-open", withGap);
        Events events = new Events();
        ModelUpdateSubscriber sub = subscriber("updates-gap-open", run.modelId(), store, events).start();
        try {
            assertThatThrownBy(() -> sub.awaitVersion(STEPS, DEADLINE)).isInstanceOf(UpdateLogGapException.class)
                    .satisfies(e -> assertThat(((UpdateLogGapException) e).expectedStep()).isEqualTo(120))
                    .hasMessageContaining("expected step 120");
            assertThat(sub.version()).isEqualTo(119);
            assertThat(sub.isRunning()).isFalse();
            assertThat(events.errors).singleElement().isInstanceOf(UpdateLogGapException.class);
            assertThat(events.updates).doesNotContain(120L, 121L);
            assertThatThrownBy(sub::checkError).isInstanceOf(UpdateLogGapException.class);
        } finally {
            assertThatThrownBy(sub::close).isInstanceOf(UpdateLogGapException.class);
        }
        sub.close(); // idempotent: the second close neither throws nor blocks
    }
}
