package io.seedflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.core.error.UnknownLogContextException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.schemas.ModelUpdate;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The updates topic's values in both encodings, through a real registry (docs/update-log-spec.md §4.1, §7.2). */
class UpdatesTopicTest {
    private static EmbeddedSchemaRegistry server;
    private static SchemaRegistry registry;

    @BeforeAll
    static void start() {
        server = EmbeddedSchemaRegistry.start();
        registry = ConfluentRegistryClient.create(server.clientOptions(null));
    }

    @AfterAll
    static void stop() {
        registry.close();
        server.close();
    }

    private static UpdateRecord record(long step) {
        return new UpdateRecord(1, "m", "ab".repeat(32), step, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(step * 31, 1e-4f, 0.1f, 2f, 1.9f)), 1e-3f, 1e-4f, 64,
                List.of(new Lineage("events", 0, step * 64, step * 64 + 64)), 1_763_856_000_000L + step);
    }

    @Test
    void compactValuesNeedTheContextOfAnEarlierValueAndAreAtMostFortyBytes() {
        UpdatesTopic.Writer writer = new UpdatesTopic.Writer(registry, UpdateLogEncoding.COMPACT);
        byte[] first = writer.write("compact-value", record(1));
        byte[] second = writer.write("compact-value", record(2));
        assertThat(second.length).isLessThanOrEqualTo(40);

        UpdatesTopic.Reader reader = new UpdatesTopic.Reader(registry);
        assertThat(reader.read(first).update().step()).isEqualTo(1);
        assertThat(reader.read(second).update().lineage()).containsExactly(new Lineage("events", 0, 128, 192));

        UpdatesTopic.Reader midTopic = new UpdatesTopic.Reader(registry);
        assertThatThrownBy(() -> midTopic.read(second)).isInstanceOfSatisfying(UnknownLogContextException.class,
                e -> assertThat(e.step()).isEqualTo(2));
        assertThatThrownBy(() -> reader.read(Arrays.copyOf(second, second.length - 3)))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.MALFORMED_PAYLOAD))
                .hasMessageContaining("CompactModelUpdate");
    }

    /**
     * A FULL topic registers the union without the compact record, so a replica that predates format 4 still reads
     * it; it cannot read a compact value, and refuses it rather than misapplying it.
     */
    @Test
    void fullValuesStayReadableByReadersThatPredateFormatFour() {
        ConfluentAvroCodec<org.apache.avro.specific.SpecificRecord> older = ConfluentAvroCodec.forUnion(registry,
                ModelUpdate.class, io.seedflow.schemas.SnapshotAnnouncement.class);
        byte[] full = new UpdatesTopic.Writer(registry, UpdateLogEncoding.FULL).write("full-value", record(5));
        assertThat(older.decode(full)).isInstanceOf(ModelUpdate.class);
        assertThat(new UpdatesTopic.Reader(registry).read(full).update()).isEqualTo(record(5));

        byte[] compact = new UpdatesTopic.Writer(registry, UpdateLogEncoding.COMPACT).write("compact-only", record(5));
        assertThatThrownBy(() -> older.decode(compact)).isInstanceOfSatisfying(WireFormatException.class,
                e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.INCOMPATIBLE_SCHEMA));
    }
}
