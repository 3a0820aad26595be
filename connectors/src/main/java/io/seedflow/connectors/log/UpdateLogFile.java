package io.seedflow.connectors.log;

import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.schemas.CompactModelUpdate;
import io.seedflow.schemas.ModelUpdate;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * An update log on disk: an Avro object container file of update records in step order (the same records the update
 * topic carries), either {@link CompactModelUpdate} (format 4, the default) or {@link ModelUpdate} (formats 1 to 3).
 * One file holds one kind; readers tell them apart by the writer schema the file embeds. Readable by any Avro tool.
 */
public final class UpdateLogFile {
    private UpdateLogFile() {
    }

    /** Appends records to a new log file. */
    public static final class Writer implements Closeable {
        private final DataFileWriter<SpecificRecord> out;
        private final CompactUpdateEncoder compact;
        private long count;

        /** A format-4 (compact) log. */
        public Writer(Path file) {
            this(file, UpdateLogEncoding.COMPACT);
        }

        public Writer(Path file, UpdateLogEncoding encoding) {
            Schema schema = encoding == UpdateLogEncoding.COMPACT ? CompactModelUpdate.getClassSchema()
                    : ModelUpdate.getClassSchema();
            compact = encoding == UpdateLogEncoding.COMPACT ? new CompactUpdateEncoder() : null;
            out = new DataFileWriter<>(new SpecificDatumWriter<>(schema));
            out.setCodec(CodecFactory.deflateCodec(1));
            try {
                out.create(schema, file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("creating update log " + file, e);
            }
        }

        /** Appends {@code r}; returns the bytes of its Avro body as written (before the file's block compression). */
        public int append(UpdateRecord r) {
            try {
                SpecificRecord written = compact != null ? compact.encode(r) : UpdateRecordCodec.toAvro(r);
                out.append(written);
                count++;
                return UpdateRecordCodec.avroBodySize(written);
            } catch (IOException e) {
                throw new UncheckedIOException("appending step " + r.step() + " to the update log", e);
            }
        }

        public long count() {
            return count;
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing update log", e);
            }
        }
    }

    /** Streams the records of a log file, in file order, to {@code sink}; returns how many. */
    public static long forEach(Path file, Consumer<UpdateRecord> sink) {
        try {
            if (isCompact(file)) {
                CompactUpdateDecoder decoder = new CompactUpdateDecoder();
                return read(file, CompactModelUpdate.class, m -> sink.accept(decoder.decode(m)));
            }
            return read(file, ModelUpdate.class, m -> sink.accept(UpdateRecordCodec.fromAvro(m)));
        } catch (IOException e) {
            throw new SeedFlowException("cannot read update log " + file + " as an Avro file of ModelUpdate or "
                    + "CompactModelUpdate records: " + e.getMessage(), e);
        }
    }

    public static List<UpdateRecord> readAll(Path file) {
        List<UpdateRecord> all = new ArrayList<>();
        forEach(file, all::add);
        return all;
    }

    /**
     * Whether the file's writer schema is the format-4 record ({@link CompactModelUpdate}) or else {@link ModelUpdate}
     * (formats 1 to 3), told by its full name (spec §7).
     *
     * @throws UnsupportedFormatVersionException if the file holds records of any other schema, naming its full name
     */
    private static boolean isCompact(Path file) throws IOException {
        String name;
        try (DataFileReader<Object> in = new DataFileReader<>(file.toFile(), new GenericDatumReader<>())) {
            name = in.getSchema().getFullName();
        }
        if (name.equals(CompactModelUpdate.getClassSchema().getFullName())) {
            return true;
        }
        if (name.equals(ModelUpdate.getClassSchema().getFullName())) {
            return false;
        }
        throw new UnsupportedFormatVersionException("update log " + file + " holds records of Avro schema '" + name
                + "', which is no update-log format this build implements: expected "
                + ModelUpdate.getClassSchema().getFullName() + " (format versions 1 to 3) or "
                + CompactModelUpdate.getClassSchema().getFullName() + " (format version 4); upgrade the replica if "
                + "the log is of a newer format");
    }

    private static <T extends SpecificRecord> long read(Path file, Class<T> type, Consumer<T> sink) throws IOException {
        try (DataFileReader<T> in = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(type))) {
            long n = 0;
            while (in.hasNext()) {
                // no object reuse: a decoder keeps the contexts that records carry inline
                sink.accept(in.next());
                n++;
            }
            return n;
        }
    }
}
