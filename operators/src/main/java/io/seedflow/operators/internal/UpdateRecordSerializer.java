package io.seedflow.operators.internal;

import io.seedflow.core.log.UpdateRecord;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link UpdateRecord} between operators: the {@link TrainerStateCodec} v1 layout (version byte
 * first), so records never fall back to Kryo. Records are immutable, so copies are the same object.
 */
public final class UpdateRecordSerializer extends TypeSerializerSingleton<UpdateRecord> {
    private static final long serialVersionUID = 1L;

    public static final UpdateRecordSerializer INSTANCE = new UpdateRecordSerializer();

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public UpdateRecord createInstance() {
        return null;
    }

    @Override
    public UpdateRecord copy(UpdateRecord from) {
        return from;
    }

    @Override
    public UpdateRecord copy(UpdateRecord from, UpdateRecord reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(UpdateRecord record, DataOutputView target) throws IOException {
        TrainerStateCodec.writeRecord(target, record);
    }

    @Override
    public UpdateRecord deserialize(DataInputView source) throws IOException {
        return TrainerStateCodec.readRecord(source);
    }

    @Override
    public UpdateRecord deserialize(UpdateRecord reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<UpdateRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot; public with a no-arg constructor as Flink requires. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UpdateRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
