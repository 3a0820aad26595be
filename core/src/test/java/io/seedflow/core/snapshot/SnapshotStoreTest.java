package io.seedflow.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.tensor.ParameterSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Content-addressed snapshot files: {@code <sha256>.safetensors}, verified against the name on read. */
class SnapshotStoreTest {
    @TempDir
    Path dir;

    @Test
    void writeIsContentAddressed() throws IOException {
        ParameterSet p = SafetensorsFormatTest.sampleParams();
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        SnapshotStore.Ref ref = store.write(p, "m", 12, "mlp:4x3x2:relu");
        byte[] bytes = Files.readAllBytes(ref.path());
        assertThat(ref.sha256()).isEqualTo(SafetensorsFormat.sha256(bytes));
        assertThat(ref.path().getFileName().toString()).isEqualTo(ref.sha256() + ".safetensors");
        assertThat(ref.sizeBytes()).isEqualTo(bytes.length);
        assertThat(ref.weightsSha256()).isEqualTo(p.weightsSha256());
        assertThat(ref.step()).isEqualTo(12);
        assertThat(bytes).isEqualTo(SafetensorsFormat.encode(p, "m", 12, "mlp:4x3x2:relu"));
        // writing the same content again: same file, nothing else left behind
        SnapshotStore.Ref again = store.write(p.copy(), "m", 12, "mlp:4x3x2:relu");
        assertThat(again.path()).isEqualTo(ref.path());
        // a different step is a different snapshot
        SnapshotStore.Ref other = store.write(p, "m", 13, "mlp:4x3x2:relu");
        assertThat(other.sha256()).isNotEqualTo(ref.sha256());
        try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder(ref.sha256() + ".safetensors", other.sha256() + ".safetensors");
        }
    }

    @Test
    void readVerifiesAgainstTheFileName() {
        ParameterSet p = SafetensorsFormatTest.sampleParams();
        SnapshotStore.Ref ref = new SnapshotStore(dir).write(p, "m", 3, "spec");
        Snapshot s = SnapshotStore.read(ref.path(), null);
        assertThat(s.sha256()).isEqualTo(ref.sha256());
        assertThat(s.step()).isEqualTo(3);
        assertThat(s.parameters().weightsSha256()).isEqualTo(p.weightsSha256());
    }

    @Test
    void flippedByteIsDetectedThroughTheName() throws IOException {
        SnapshotStore.Ref ref = new SnapshotStore(dir).write(SafetensorsFormatTest.sampleParams(), "m", 3, "spec");
        byte[] bytes = Files.readAllBytes(ref.path());
        bytes[bytes.length - 10] ^= 0x01; // a data byte: still a structurally valid file
        Files.write(ref.path(), bytes);
        assertThatThrownBy(() -> SnapshotStore.read(ref.path(), null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining(ref.sha256());
    }

    @Test
    void explicitHashIsCheckedWhateverTheName() throws IOException {
        SnapshotStore.Ref ref = new SnapshotStore(dir).write(SafetensorsFormatTest.sampleParams(), "m", 3, "spec");
        byte[] bytes = Files.readAllBytes(ref.path());
        bytes[bytes.length - 10] ^= 0x01;
        Path renamed = dir.resolve("latest.safetensors");
        Files.write(renamed, bytes);
        // no hash in the name and none given: only structural checks (the flipped data byte is still valid)
        assertThat(SnapshotStore.read(renamed, null).sha256()).isEqualTo(SafetensorsFormat.sha256(bytes));
        assertThatThrownBy(() -> SnapshotStore.read(renamed, ref.sha256())).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining(ref.sha256());
    }

    @Test
    void missingFileIsAnIntegrityError() {
        Path missing = dir.resolve("0".repeat(64) + ".safetensors");
        assertThatThrownBy(() -> SnapshotStore.read(missing, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("cannot read snapshot");
    }
}
