package io.seedflow.jobs.serving;

import io.seedflow.connectors.replica.SnapshotSource;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.operators.FileSystemSnapshotStore;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's snapshots read from the trainer's own snapshot store ({@code --snapshot-dir}, any Flink FileSystem URI:
 * {@code s3://bucket/path}, {@code file:///dir}): the trainer's {@link FileSystemSnapshotStore}, so writer and reader
 * share one code path. Ranks the model's files by the step in their headers and loads the newest that verifies
 * (SHA-256 of the bytes against the file name); one that fails, or was retired between listing and reading, is
 * logged and passed over for the next newest.
 */
public final class StoreSnapshotSource implements SnapshotSource {
    private static final Logger LOG = LoggerFactory.getLogger(StoreSnapshotSource.class);

    private final FileSystemSnapshotStore store;

    public StoreSnapshotSource(FileSystemSnapshotStore store) {
        this.store = store;
    }

    @Override
    public Optional<Snapshot> newest(String modelId) {
        for (FileSystemSnapshotStore.Stored s : store.list(modelId)) {
            try {
                Snapshot snapshot = store.load(s.uri(), s.sha256());
                if (snapshot.modelId().equals(modelId) && snapshot.step() == s.step()) {
                    return Optional.of(snapshot);
                }
            } catch (SnapshotIntegrityException e) {
                LOG.warn("passing over snapshot {} (step {}): {}", s.uri(), s.step(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    @Override
    public String location() {
        return store.directory();
    }
}
