package io.seedflow.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SeedFlowException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    private static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian, as IDX is
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    private Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(bytes);
        }
        return p;
    }

    @Test
    void readsRawAndGzippedFiles() throws IOException {
        byte[] data = new byte[2 * 3 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 11); // includes values above 127: unsigned bytes
        }
        byte[] file = idx(0x00000803, new int[] {2, 3, 4}, data);
        for (boolean gz : new boolean[] {false, true}) {
            IdxReader.IdxArray a = IdxReader.read(write(gz ? "x-idx3-ubyte.gz" : "x-idx3-ubyte", file, gz));
            assertThat(a.dims()).containsExactly(2, 3, 4);
            assertThat(a.count()).isEqualTo(2);
            assertThat(a.itemSize()).isEqualTo(12);
            assertThat(a.data()).isEqualTo(data);
        }
    }

    @Test
    void refusesWrongMagicRankAndDimensions() throws IOException {
        Path floats = write("f", idx(0x00000D01, new int[] {2}, new byte[8]), false);
        assertThatThrownBy(() -> IdxReader.read(floats)).isInstanceOf(SeedFlowException.class)
                .hasMessageContaining("magic").hasMessageContaining("d01");
        Path rank0 = write("r", idx(0x00000800, new int[] {}, new byte[0]), false);
        assertThatThrownBy(() -> IdxReader.read(rank0)).isInstanceOf(SeedFlowException.class).hasMessageContaining("rank");
        Path negative = write("n", idx(0x00000801, new int[] {-3}, new byte[0]), false);
        assertThatThrownBy(() -> IdxReader.read(negative)).isInstanceOf(SeedFlowException.class)
                .hasMessageContaining("-3");
    }

    @Test
    void refusesTruncatedFiles() throws IOException {
        byte[] file = idx(0x00000801, new int[] {10}, new byte[10]);
        Path cut = write("cut.gz", Arrays.copyOf(file, file.length - 1), true);
        assertThatThrownBy(() -> IdxReader.read(cut)).isInstanceOf(SeedFlowException.class)
                .hasMessageContaining("cut.gz");
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> IdxReader.read(missing)).isInstanceOf(SeedFlowException.class);
    }
}
