package io.seedflow.tests;

import io.seedflow.connectors.log.CompactUpdateEncoder;
import io.seedflow.connectors.log.LogReplay;
import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.LogContext;
import io.seedflow.schemas.ModelUpdate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Inputs that docs/update-log-spec.md says how to refuse, each a snapshot and a log written into a folder: snapshots
 * whose {@code seedflow.model-spec} breaks a rule of §1 (or holds other tensors than it names), logs with a negative
 * lineage offset (§4, full and compact records) and a file of another Avro schema (§7). Each case names the outcome
 * the spec requires: the §8 error's simple name, or {@link #APPLIED}.
 */
final class CorruptedInputs {
    static final String APPLIED = "applied";
    private static final String MODEL = "m";

    /** One input and the outcome the spec requires. */
    record Case(String name, String expected, Writer writer) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Writes a case's snapshot and log into a folder; returns {snapshot, log}. */
    interface Writer {
        Path[] write(Path dir) throws IOException;
    }

    private CorruptedInputs() {
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        String mlp = "mlp:4x3x2:relu";
        String bert = "encoder:bert-L1-H4-A2-F4-V3-P2:2";
        spec(cases, "mlp:0004x3x2:RELU", mlp, APPLIED);
        spec(cases, "", mlp, APPLIED);
        spec(cases, bert, bert, APPLIED);
        spec(cases, bert + ":2", bert, APPLIED);
        spec(cases, "linear:4x3", "linear:4x3", APPLIED);
        spec(cases, "mlp:4x3x3:relu", mlp, "TensorShapeMismatchException");
        spec(cases, "linear:4x2", mlp, "TensorShapeMismatchException");
        for (String bad : List.of(" ", "mlp", "cnn:4x2", "MLP:4x3x2:relu", "mlp:4x3x2", "mlp:4x3x2:tanh",
                "mlp:4x3x2:relu:", "mlp:4x3x2x:relu", "mlp:4x+3x2:relu", "mlp:4x\u0663x2:relu", "mlp:4x3x1:relu",
                "mlp:4x3x2147483648:relu", "linear:4x3x2", "linear:4x1", bert + ":3", bert + ":0", bert + ":2:1",
                "encoder:bert-L1-H4-A3-F4-V3-P2:2", "encoder:bert-L1-H4-A2-F4-V1-P2:2",
                "encoder:bert-L0-H4-A2-F4-V3-P2:2", "encoder:bert-L1-H4-A2-F4-V3-P2:1",
                "encoder:all-minilm-l6-v2:2:513", "encoder:ALL-MINILM-L6-V2:2")) {
            spec(cases, bad, mlp, "SnapshotIntegrityException");
        }
        cases.add(onBase("full record with fromOffset -600", "InvalidUpdateRecordException",
                ModelUpdate.getClassSchema(), List.of(full(r -> r.getLineage().get(0).setFromOffset(-600L)))));
        cases.add(onBase("full record with untilOffset below fromOffset", "InvalidUpdateRecordException",
                ModelUpdate.getClassSchema(), List.of(full(r -> r.getLineage().get(0).setUntilOffset(3L)))));
        cases.add(onBase("compact record with fromOffset -600", "InvalidUpdateRecordException",
                CompactModelUpdate.getClassSchema(), List.of(compact(r -> r.getLineage().get(0)
                        .setFromOffset(-600L)))));
        cases.add(onBase("two valid full records", APPLIED, ModelUpdate.getClassSchema(),
                List.of(full(r -> { }), UpdateRecordCodec.toAvro(record(2)))));
        CompactUpdateEncoder encoder = new CompactUpdateEncoder();
        cases.add(onBase("two valid compact records", APPLIED, CompactModelUpdate.getClassSchema(),
                List.of(encoder.encode(record(1)), encoder.encode(record(2)))));
        cases.add(onBase("a file of LogContext records", "UnsupportedFormatVersionException",
                LogContext.getClassSchema(), List.of(UpdateRecordCodec.contextOf(record(1)))));
        return cases;
    }

    /**
     * The outcome of Java's {@code seedflow replay} ({@link LogReplay}) on a written case: the simple name of what it
     * threw, or {@link #APPLIED} and the weights SHA-256.
     */
    static String javaOutcome(Path[] written) {
        try {
            return APPLIED + " weights-sha256=" + LogReplay.replay(written[0], null, written[1]).weightsSha256();
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static void spec(List<Case> cases, String declared, String tensorsOf, String expected) {
        cases.add(new Case("model spec '" + declared + "' on the tensors of " + tensorsOf, expected, dir -> {
            ParameterSet p = new ParameterSet(ModelSpecs.parse(tensorsOf).tensorSpecs());
            return new Path[] {snapshot(dir, SafetensorsFormat.encode(p, MODEL, 0, declared)),
                log(dir, CompactModelUpdate.getClassSchema(), List.of())};
        }));
    }

    /** A case of the base snapshot and a log of {@code records} written with {@code schema}. */
    private static Case onBase(String name, String expected, Schema schema, List<? extends SpecificRecord> records) {
        return new Case(name, expected, dir -> new Path[] {snapshot(dir, baseSnapshot()), log(dir, schema, records)});
    }

    /** A valid step of the model of {@code mlp:4x3x2}, based on the snapshot that {@link #log} writes. */
    private static UpdateRecord record(long step) {
        return new UpdateRecord(1, MODEL, baseId(), step, UpdateStatus.APPLIED, 1f,
                List.of(new PerturbationTerm(40 + step, 1e-2f, 0f, 0f, 0f)), 0f, 0f, 4,
                List.of(new Lineage("events", 0, 4 * step, 4 * step + 4)), 1_000L * step);
    }

    private static ModelUpdate full(Consumer<ModelUpdate> corrupt) {
        ModelUpdate m = UpdateRecordCodec.toAvro(record(1));
        corrupt.accept(m);
        return m;
    }

    private static CompactModelUpdate compact(Consumer<CompactModelUpdate> corrupt) {
        CompactModelUpdate m = new CompactUpdateEncoder().encode(record(1));
        corrupt.accept(m);
        return m;
    }

    private static byte[] baseSnapshot() {
        return SafetensorsFormat.encode(new ParameterSet(ModelSpecs.parse("mlp:4x3x2:relu").tensorSpecs()), MODEL, 0,
                "mlp:4x3x2:relu");
    }

    private static String baseId() {
        return SafetensorsFormat.sha256(baseSnapshot());
    }

    /** A log of {@code records} written with {@code schema}, bypassing every check of the encoders. */
    private static Path log(Path dir, Schema schema, List<? extends SpecificRecord> records) throws IOException {
        Path log = dir.resolve("updates.avro");
        try (DataFileWriter<SpecificRecord> w = new DataFileWriter<>(new SpecificDatumWriter<>(schema))) {
            w.setCodec(CodecFactory.deflateCodec(1));
            w.create(schema, log.toFile());
            for (SpecificRecord r : records) {
                w.append(r);
            }
        }
        return log;
    }

    private static Path snapshot(Path dir, byte[] bytes) {
        try {
            Path p = dir.resolve(SafetensorsFormat.sha256(bytes) + ".safetensors");
            Files.write(p, bytes);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
