package io.seedflow.connectors.log;

import io.seedflow.core.log.ModelRollback;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Converts between core's {@link ModelRollback} and the Avro record of the same name, field for field, and gives its
 * canonical bytes for the hash chain (docs/update-log-spec.md §11): the Avro binary body of the record.
 */
public final class ModelRollbackCodec {
    private static final SpecificDatumWriter<io.seedflow.schemas.ModelRollback> WRITER =
            new SpecificDatumWriter<>(io.seedflow.schemas.ModelRollback.class);

    private ModelRollbackCodec() {
    }

    public static io.seedflow.schemas.ModelRollback toAvro(ModelRollback r) {
        return new io.seedflow.schemas.ModelRollback(r.modelId(), r.step(), r.toVersion(), r.weightsSha256(),
                r.snapshotUri(), r.snapshotSha256(), r.snapshotSizeBytes(), r.createdMillis(), r.reason());
    }

    /**
     * The rollback as read.
     *
     * @throws io.seedflow.core.error.InvalidUpdateRecordException if its version is not an earlier one
     */
    public static ModelRollback fromAvro(io.seedflow.schemas.ModelRollback r) {
        return new ModelRollback(r.getModelId(), r.getStep(), r.getToVersion(), r.getWeightsSha256(),
                r.getSnapshotUri(), r.getSnapshotSha256(), r.getSnapshotSizeBytes(), r.getCreatedMillis(),
                r.getReason());
    }

    /** The bytes the chain hashes for {@code r}: its Avro binary body. */
    public static byte[] canonicalBytes(ModelRollback r) {
        return UpdateRecordCodec.binary(WRITER, toAvro(r));
    }
}
