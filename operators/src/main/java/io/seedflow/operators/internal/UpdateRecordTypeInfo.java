package io.seedflow.operators.internal;

import io.seedflow.core.log.UpdateRecord;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information of {@link UpdateRecord} streams, backed by {@link UpdateRecordSerializer} (not Kryo). */
public final class UpdateRecordTypeInfo extends TypeInformation<UpdateRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<UpdateRecord> getTypeClass() {
        return UpdateRecord.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<UpdateRecord> createSerializer(SerializerConfig config) {
        return UpdateRecordSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "UpdateRecord(seedflow v" + TrainerStateCodec.LAYOUT_VERSION + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpdateRecordTypeInfo;
    }

    @Override
    public int hashCode() {
        return UpdateRecordTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof UpdateRecordTypeInfo;
    }
}
