package io.seedflow.connectors.log;

import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.schemas.ModelUpdate;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * An update log on disk: an Avro object container file of {@link ModelUpdate} records in step order (the same
 * records the update topic carries). Readable by any Avro tool.
 */
public final class UpdateLogFile {
    private UpdateLogFile() {
    }

    /** Appends records to a new log file. */
    public static final class Writer implements Closeable {
        private final DataFileWriter<ModelUpdate> out;
        private long count;

        public Writer(Path file) {
            out = new DataFileWriter<>(new SpecificDatumWriter<>(ModelUpdate.class));
            out.setCodec(CodecFactory.deflateCodec(1));
            try {
                out.create(ModelUpdate.getClassSchema(), file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("creating update log " + file, e);
            }
        }

        public void append(UpdateRecord r) {
            try {
                out.append(UpdateRecordCodec.toAvro(r));
                count++;
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
        try (DataFileReader<ModelUpdate> in = new DataFileReader<>(file.toFile(),
                new SpecificDatumReader<>(ModelUpdate.class))) {
            long n = 0;
            ModelUpdate reuse = null;
            while (in.hasNext()) {
                reuse = in.next(reuse);
                sink.accept(UpdateRecordCodec.fromAvro(reuse));
                n++;
            }
            return n;
        } catch (IOException e) {
            throw new SeedFlowException("cannot read update log " + file + " as an Avro file of ModelUpdate records: "
                    + e.getMessage(), e);
        }
    }

    public static List<UpdateRecord> readAll(Path file) {
        List<UpdateRecord> all = new ArrayList<>();
        forEach(file, all::add);
        return all;
    }
}
