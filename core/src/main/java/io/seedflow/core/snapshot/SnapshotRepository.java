package io.seedflow.core.snapshot;

/**
 * Where snapshots are stored, content-addressed ({@code <sha256>.safetensors}) and written as streams
 * ({@link EncodedSnapshot#writeTo}); the one store interface the trainers and the offline commands write through: a
 * local directory ({@link SnapshotStore}) or any Flink file system, object storage included (the operators'
 * {@code FileSystemSnapshotStore}).
 */
public interface SnapshotRepository extends SnapshotReader {
    /** Where the snapshots are kept (a directory or a file system URI), for messages. */
    String location();

    /** The URI the snapshot with id {@code sha256} has here. */
    String uriOf(String sha256);

    /**
     * Stores {@code snapshot} under its id unless a complete copy is already there, after the frozen base it names
     * (stored the same way, beside it, so that a reader finds it there); the snapshot's URI.
     */
    default String store(EncodedSnapshot snapshot) {
        if (snapshot.frozenBase() != null) {
            storeFile(FrozenBases.encoded(snapshot.frozenBase()));
        }
        return storeFile(snapshot);
    }

    /** Stores one file under its id unless a complete copy is already there; its URI. */
    String storeFile(EncodedSnapshot snapshot);
}
