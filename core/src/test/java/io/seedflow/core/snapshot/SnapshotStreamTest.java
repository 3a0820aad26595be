package io.seedflow.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.tensor.ParameterSet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Snapshots written and read as streams: the same bytes as before, and what a stream can do wrong. */
class SnapshotStreamTest {
    private static final MlpSpec SPEC = MlpSpec.parse("mlp:300x70x10:relu"); // 21,780 floats: several I/O chunks

    private static ParameterSet weights() {
        ParameterSet p = new ParameterSet(SPEC.tensorSpecs());
        for (int t = 0; t < p.size(); t++) {
            PerturbationGenerator.fill(5, t, 0, p.tensor(t), 0, p.tensor(t).length);
        }
        return p;
    }

    @Test
    void anEncodedSnapshotStreamsTheBytesItsIdNames() throws IOException {
        ParameterSet p = weights();
        EncodedSnapshot s = EncodedSnapshot.of("m", 7, SPEC.toText(), p);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.writeTo(out);
        byte[] streamed = out.toByteArray();
        assertThat(streamed).isEqualTo(SafetensorsFormat.encode(p, "m", 7, SPEC.toText())).isEqualTo(s.bytes());
        assertThat(s.sizeBytes()).isEqualTo(streamed.length);
        assertThat(s.sha256()).isEqualTo(SafetensorsFormat.sha256(streamed));
        assertThat(s.weightsSha256()).isEqualTo(p.weightsSha256());

        p.tensor(0)[0] += 1; // the trainer goes on: the snapshot keeps its copy
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        s.writeTo(again);
        assertThat(again.toByteArray()).isEqualTo(streamed);
    }

    @Test
    void aStreamGivingOneByteAtATimeReadsToTheSameSnapshot() {
        byte[] bytes = SafetensorsFormat.encode(weights(), "m", 7, SPEC.toText());
        Snapshot s = SafetensorsFormat.read(new Trickle(new ByteArrayInputStream(bytes)), bytes.length,
                SafetensorsFormat.sha256(bytes));
        assertThat(s.parameters().weightsSha256()).isEqualTo(weights().weightsSha256());
        assertThat(s.sizeBytes()).isEqualTo(bytes.length);
        assertThat(s.step()).isEqualTo(7);
    }

    @Test
    void aStreamShorterOrLongerThanItsSizeIsRefused() {
        byte[] bytes = SafetensorsFormat.encode(weights(), "m", 7, SPEC.toText());
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 6);
        assertThatThrownBy(() -> SafetensorsFormat.read(new ByteArrayInputStream(cut), bytes.length, null))
                .isInstanceOf(SnapshotIntegrityException.class).hasMessageContaining("cut short");
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 4);
        assertThatThrownBy(() -> SafetensorsFormat.read(new ByteArrayInputStream(longer), bytes.length, null))
                .isInstanceOf(SnapshotIntegrityException.class).hasMessageContaining("longer than its");
        // with an expected id, a wrong file is reported as such first, naming both hashes
        String expected = SafetensorsFormat.sha256(bytes);
        assertThatThrownBy(() -> SafetensorsFormat.read(new ByteArrayInputStream(cut), bytes.length, expected))
                .hasMessageContaining("SHA-256 mismatch").hasMessageContaining(expected)
                .hasMessageContaining(SafetensorsFormat.sha256(cut));
    }

    @Test
    void aStreamThatFailsMidFileIsAnIntegrityErrorNotACrash() {
        byte[] bytes = SafetensorsFormat.encode(weights(), "m", 7, SPEC.toText());
        InputStream failing = new FilterInputStream(new ByteArrayInputStream(bytes)) {
            private int served;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (served > bytes.length / 2) {
                    throw new IOException("connection reset");
                }
                int n = super.read(b, off, Math.min(len, 4096));
                served += Math.max(n, 0);
                return n;
            }
        };
        assertThatThrownBy(() -> SafetensorsFormat.read(failing, bytes.length, null))
                .isInstanceOf(SnapshotIntegrityException.class).hasMessageContaining("connection reset");
    }

    @Test
    void theLocalStoreStoresAndLoadsThroughTheRepositoryInterface(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        SnapshotRepository store = new SnapshotStore(dir);
        EncodedSnapshot s = EncodedSnapshot.of("m", 3, SPEC.toText(), weights());
        String uri = store.store(s);
        assertThat(uri).isEqualTo(store.uriOf(s.sha256())).startsWith("file:");
        assertThat(store.store(s)).as("idempotent").isEqualTo(uri);
        Snapshot back = store.load(uri, s.sha256());
        assertThat(back.parameters().weightsSha256()).isEqualTo(s.weightsSha256());
        assertThat(store.load(dir.resolve(s.sha256() + ".safetensors").toString(), null).sha256()).isEqualTo(s.sha256());
        assertThatThrownBy(() -> store.load(store.uriOf("0".repeat(64)), null))
                .isInstanceOf(SnapshotIntegrityException.class).hasMessageContaining("cannot read snapshot");
    }

    /** Hands out one byte per read call, as a slow network stream may. */
    private static final class Trickle extends FilterInputStream {
        Trickle(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1));
        }
    }
}
