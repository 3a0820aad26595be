package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import io.seedflow.schemas.LogContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class UpdateLogFileTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(UpdateLogEncoding.class)
    void writesAndReadsRecordsInOrder(UpdateLogEncoding encoding) {
        Path f = dir.resolve("log.avro");
        List<UpdateRecord> written = new ArrayList<>();
        try (UpdateLogFile.Writer w = new UpdateLogFile.Writer(f, encoding)) {
            for (long s = 1; s <= 100; s++) {
                UpdateRecord r = UpdateRecordFixtures.skipped(s);
                w.append(r);
                written.add(encoding == UpdateLogEncoding.FULL ? r : UpdateRecordFixtures.compactView(r));
            }
            assertThat(w.count()).isEqualTo(100);
        }
        assertThat(UpdateLogFile.readAll(f)).containsExactlyElementsOf(written);
    }

    /** The default is format 4; one file holds records of several contexts (here: every section and a new source). */
    @Test
    void compactIsTheDefaultAndKeepsEverySection() throws IOException {
        Path compact = dir.resolve("compact.avro");
        Path full = dir.resolve("full.avro");
        List<UpdateRecord> log = new ArrayList<>(UpdateRecordFixtures.goldenV4Log());
        UpdateRecord last = log.get(log.size() - 1);
        log.add(new UpdateRecord(1, last.modelId(), last.baseSnapshotId(), 11, UpdateStatus.APPLIED, 0.5f,
                List.of(), 0f, 0f, 0, List.of(new Lineage("other", 1, 0, 3)), last.trainerTimeMillis() - 10));
        try (UpdateLogFile.Writer c = new UpdateLogFile.Writer(compact);
                UpdateLogFile.Writer w = new UpdateLogFile.Writer(full, UpdateLogEncoding.FULL)) {
            log.forEach(c::append);
            log.forEach(w::append);
        }
        assertThat(UpdateLogFile.readAll(compact))
                .containsExactlyElementsOf(log.stream().map(UpdateRecordFixtures::compactView).toList());
        assertThat(UpdateLogFile.readAll(full)).containsExactlyElementsOf(log);
        assertThat(Files.size(compact)).isLessThan(Files.size(full));
    }

    @Test
    void garbageFileGivesClearError() throws IOException {
        Path f = dir.resolve("garbage.avro");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThatThrownBy(() -> UpdateLogFile.readAll(f)).isInstanceOf(SeedFlowException.class)
                .hasMessageContaining("cannot read update log").hasMessageContaining("garbage.avro");
    }

    /**
     * Spec §7: a file is read by the full name of its embedded schema; a record of another name (here a log context
     * file, and a file of plain strings) is no update log of any known format, refused naming the name.
     */
    @Test
    void aFileOfAnotherSchemaIsAnUnsupportedFormatNamingTheSchema() throws IOException {
        Path contexts = dir.resolve("contexts.avro");
        try (DataFileWriter<LogContext> w = new DataFileWriter<>(new SpecificDatumWriter<>(LogContext.class))) {
            w.create(LogContext.getClassSchema(), contexts.toFile());
            w.append(new LogContext("m", "ab".repeat(32), List.of("events"), 0L));
        }
        assertThatThrownBy(() -> UpdateLogFile.readAll(contexts))
                .isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("contexts.avro holds records of Avro schema 'io.seedflow.schemas.LogContext'")
                .hasMessageContaining("expected io.seedflow.schemas.ModelUpdate (format versions 1 to 3) or "
                        + "io.seedflow.schemas.CompactModelUpdate (format version 4)");
        Path strings = dir.resolve("strings.avro");
        try (DataFileWriter<Object> w = new DataFileWriter<>(new GenericDatumWriter<>())) {
            w.create(Schema.create(Schema.Type.STRING), strings.toFile());
            w.append("not an update");
        }
        assertThatThrownBy(() -> UpdateLogFile.readAll(strings))
                .isInstanceOf(UnsupportedFormatVersionException.class)
                .hasMessageContaining("records of Avro schema 'string'");
    }
}
