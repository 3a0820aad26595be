package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
}
