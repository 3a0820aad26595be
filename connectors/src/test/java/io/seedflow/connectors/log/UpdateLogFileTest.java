package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.log.UpdateRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpdateLogFileTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsRecordsInOrder() {
        Path f = dir.resolve("log.avro");
        List<UpdateRecord> written = new ArrayList<>();
        try (UpdateLogFile.Writer w = new UpdateLogFile.Writer(f)) {
            for (long s = 1; s <= 100; s++) {
                UpdateRecord r = UpdateRecordFixtures.skipped(s);
                w.append(r);
                written.add(r);
            }
            assertThat(w.count()).isEqualTo(100);
        }
        assertThat(UpdateLogFile.readAll(f)).containsExactlyElementsOf(written);
    }

    @Test
    void garbageFileGivesClearError() throws IOException {
        Path f = dir.resolve("garbage.avro");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThatThrownBy(() -> UpdateLogFile.readAll(f)).isInstanceOf(SeedFlowException.class)
                .hasMessageContaining("cannot read update log").hasMessageContaining("garbage.avro");
    }
}
