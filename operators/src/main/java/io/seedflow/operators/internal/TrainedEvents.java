package io.seedflow.operators.internal;

import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.log.Lineage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The events a model's log had already trained when its trainer resumed it from the log without state
 * ({@code seedflow.trainer.existing-log=RESUME}): the events consumer starts at the first offset no model trained, so
 * it reads again what other models, or this one after a hole, had trained; such an example is dropped. Kept in keyed
 * state as bytes (source, partition, from, until per range).
 */
public final class TrainedEvents {
    private TrainedEvents() {
    }

    public static byte[] encode(List<Lineage> ranges) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(ranges.size());
            for (Lineage l : ranges) {
                out.writeUTF(l.source());
                out.writeInt(l.partition());
                out.writeLong(l.fromOffset());
                out.writeLong(l.untilOffset());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static List<Lineage> decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            List<Lineage> ranges = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ranges.add(new Lineage(in.readUTF(), in.readInt(), in.readLong(), in.readLong()));
            }
            return ranges;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code e} lies in one of {@code ranges}. */
    public static boolean contains(List<Lineage> ranges, TrainingExample e) {
        for (Lineage l : ranges) {
            if (l.partition() == e.partition && l.fromOffset() <= e.offset && e.offset < l.untilOffset()
                    && l.source().equals(e.source)) {
                return true;
            }
        }
        return false;
    }
}
