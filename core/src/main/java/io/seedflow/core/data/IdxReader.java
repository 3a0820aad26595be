package io.seedflow.core.data;

import io.seedflow.core.error.SeedFlowException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads IDX files (the MNIST family's format: big-endian magic 0x0000_08_NN, dims, unsigned bytes), gzipped or not. */
public final class IdxReader {
    private IdxReader() {
    }

    /** An IDX array of unsigned bytes with its dimensions. */
    public record IdxArray(int[] dims, byte[] data) {
        public int count() {
            return dims[0];
        }

        public int itemSize() {
            int s = 1;
            for (int i = 1; i < dims.length; i++) {
                s *= dims[i];
            }
            return s;
        }
    }

    public static IdxArray read(Path file) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DataInputStream in = new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw)) {
            int magic = in.readInt();
            if ((magic >>> 8) != 0x08) {
                throw new SeedFlowException(file + ": IDX magic must be 0x000008NN (unsigned bytes), got 0x"
                        + Integer.toHexString(magic));
            }
            int rank = magic & 0xff;
            if (rank < 1 || rank > 4) {
                throw new SeedFlowException(file + ": IDX rank must be 1..4, got " + rank);
            }
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] <= 0) {
                    throw new SeedFlowException(file + ": IDX dimension " + i + " must be > 0, got " + dims[i]);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE) {
                throw new SeedFlowException(file + ": IDX array of " + total + " bytes is too large");
            }
            byte[] data = new byte[(int) total];
            in.readFully(data);
            return new IdxArray(dims, data);
        } catch (IOException e) {
            throw new SeedFlowException("cannot read IDX file " + file + ": " + e, e);
        }
    }
}
