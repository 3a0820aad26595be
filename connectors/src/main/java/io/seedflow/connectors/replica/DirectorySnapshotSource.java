package io.seedflow.connectors.replica;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots in a {@link SnapshotStore} directory ({@code <sha256>.safetensors}). Ranks the files of a model by the
 * {@code seedflow.step} in their safetensors header ({@link SafetensorsFormat#readMetadata}, header only), then reads the best one in full and
 * verifies it against the SHA-256 in its name. A file that fails verification is logged and passed over for the
 * next newest: an older snapshot is still correct, it only means more records to apply.
 */
public final class DirectorySnapshotSource implements SnapshotSource {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorySnapshotSource.class);
    private static final Pattern FILE_NAME = Pattern.compile("[0-9a-f]{64}\\.safetensors");

    private final Path dir;

    public DirectorySnapshotSource(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    @Override
    public Optional<Snapshot> newest(String modelId) {
        record Candidate(Path path, long step) {
        }
        List<Candidate> candidates = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (!FILE_NAME.matcher(p.getFileName().toString()).matches()) {
                    continue;
                }
                Map<String, String> meta;
                try {
                    meta = SafetensorsFormat.readMetadata(p);
                } catch (IOException | SnapshotIntegrityException e) {
                    LOG.warn("ignoring snapshot file {}: cannot read its header: {}", p, e.getMessage());
                    continue;
                }
                String id = meta.get(SafetensorsFormat.KEY_MODEL_ID);
                String step = meta.get(SafetensorsFormat.KEY_STEP);
                if (id == null || step == null || !step.matches("\\d{1,18}")) {
                    LOG.warn("ignoring snapshot file {}: no {} / {} in its metadata", p,
                            SafetensorsFormat.KEY_MODEL_ID, SafetensorsFormat.KEY_STEP);
                    continue;
                }
                if (id.equals(modelId)) {
                    candidates.add(new Candidate(p, Long.parseLong(step)));
                }
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("listing snapshots in " + dir, e);
        }
        candidates.sort(Comparator.comparingLong(Candidate::step).reversed());
        for (Candidate c : candidates) {
            Snapshot s;
            try {
                s = SnapshotStore.read(c.path(), null);
            } catch (SnapshotIntegrityException e) {
                LOG.warn("passing over snapshot {} (step {}): {}", c.path(), c.step(), e.getMessage());
                continue;
            }
            if (s.modelId().equals(modelId)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** From this directory when it holds the file ({@code <sha256>.safetensors}), else from {@code uri}. */
    @Override
    public Snapshot named(String uri, String sha256) {
        Path file = dir.resolve(sha256 + ".safetensors");
        return FILE_NAME.matcher(file.getFileName().toString()).matches() && Files.isRegularFile(file)
                ? SnapshotStore.read(file, sha256) : SnapshotSource.super.named(uri, sha256);
    }

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public String toString() {
        return "DirectorySnapshotSource[" + dir + "]";
    }
}
