package io.seedflow.connectors.replica;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots in a {@link SnapshotStore} directory ({@code <sha256>.safetensors}). Ranks the files of a model by the
 * {@code seedflow.step} in their safetensors header (reading only the header), then reads the best one in full and
 * verifies it against the SHA-256 in its name. A file that fails verification is logged and passed over for the
 * next newest: an older snapshot is still correct, it only means more records to apply.
 */
public final class DirectorySnapshotSource implements SnapshotSource {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorySnapshotSource.class);
    private static final Pattern FILE_NAME = Pattern.compile("[0-9a-f]{64}\\.safetensors");
    private static final Pattern STEP = Pattern.compile(
            "\"" + Pattern.quote(SafetensorsFormat.KEY_STEP) + "\"\\s*:\\s*\"(\\d{1,19})\"");
    private static final Pattern MODEL_ID = Pattern.compile(
            "\"" + Pattern.quote(SafetensorsFormat.KEY_MODEL_ID) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** Headers larger than this are not SeedFlow snapshots (the header holds metadata and tensor offsets). */
    private static final long MAX_HEADER_BYTES = 16L << 20;

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
                String header;
                try {
                    header = readHeader(p);
                } catch (IOException | SnapshotIntegrityException e) {
                    LOG.warn("ignoring snapshot file {}: cannot read its header: {}", p, e.getMessage());
                    continue;
                }
                Matcher id = MODEL_ID.matcher(header);
                Matcher step = STEP.matcher(header);
                if (!id.find() || !step.find()) {
                    LOG.warn("ignoring snapshot file {}: no {} / {} in its metadata", p,
                            SafetensorsFormat.KEY_MODEL_ID, SafetensorsFormat.KEY_STEP);
                    continue;
                }
                // an escaped id is compared after the full decode below
                if (id.group(1).equals(modelId) || id.group(1).indexOf('\\') >= 0) {
                    candidates.add(new Candidate(p, Long.parseLong(step.group(1))));
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

    @Override
    public String location() {
        return dir.toString();
    }

    private static String readHeader(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] len = in.readNBytes(8);
            if (len.length < 8) {
                throw new SnapshotIntegrityException("file is shorter than the 8-byte header length");
            }
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 2 || n > MAX_HEADER_BYTES) {
                throw new SnapshotIntegrityException("header length " + n + " out of range [2, " + MAX_HEADER_BYTES
                        + "]");
            }
            byte[] header = in.readNBytes((int) n);
            if (header.length < n) {
                throw new SnapshotIntegrityException("file ends inside the " + n + "-byte header");
            }
            return new String(header, StandardCharsets.UTF_8);
        }
    }

    @Override
    public String toString() {
        return "DirectorySnapshotSource[" + dir + "]";
    }
}
