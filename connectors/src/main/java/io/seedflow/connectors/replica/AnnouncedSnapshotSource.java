package io.seedflow.connectors.replica;

import io.seedflow.connectors.kafka.TopicScan;
import io.seedflow.connectors.kafka.UpdatesTopic;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.UnknownLogContextException;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots the trainer announced on the updates topic ({@link SnapshotAnnouncement} entries). Each call reads the
 * topic ({@code read_committed}) from where the previous call stopped up to its current end, keeps every
 * announcement of the model, then loads the newest one whose file can be fetched and verified (SHA-256 of the
 * bytes, model id, step and weights hash must all match the announcement); a snapshot that fails is logged and
 * passed over for the next newest. Files are fetched by {@link SnapshotFetcher}. Not thread-safe: the subscriber
 * calls it from its own thread only.
 */
public final class AnnouncedSnapshotSource implements SnapshotSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnnouncedSnapshotSource.class);

    private final String bootstrapServers;
    private final String topic;
    private final RegistryClientOptions registryOptions;
    private final SnapshotFetcher fetcher;
    private final Duration pollTimeout;
    private final Map<String, List<SnapshotAnnouncement>> announcements = new HashMap<>();
    private final LogSignatures.Verifier verifier;
    private final Map<String, byte[]> chainHeads = new HashMap<>();
    private long passedOverUnverified;
    private ConfluentRegistryClient registry;
    private UpdatesTopic.Reader reader;
    private TopicScan scan;

    public AnnouncedSnapshotSource(String bootstrapServers, String topic, RegistryClientOptions registry,
            SnapshotFetcher fetcher, Duration pollTimeout) {
        this(bootstrapServers, topic, registry, fetcher, pollTimeout, null);
    }

    /**
     * With a {@code verifier}, only announcements that carry a chain link and a signature that verifies are used
     * (docs/update-log-spec.md §10); the others are logged and passed over.
     */
    public AnnouncedSnapshotSource(String bootstrapServers, String topic, RegistryClientOptions registry,
            SnapshotFetcher fetcher, Duration pollTimeout, LogSignatures.Verifier verifier) {
        this.verifier = verifier;
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.registryOptions = registry;
        this.fetcher = fetcher;
        this.pollTimeout = pollTimeout;
    }

    @Override
    public Optional<Snapshot> newest(String modelId) {
        readToEnd();
        for (SnapshotAnnouncement a : inPreference(announcements.getOrDefault(modelId, List.of()))) {
            try {
                Snapshot s = load(a);
                if (a.chainHead != null) {
                    chainHeads.put(s.sha256(), a.chainHead.clone());
                }
                return Optional.of(s);
            } catch (SnapshotIntegrityException e) {
                LOG.warn("passing over announced snapshot {} (model '{}' step {}): {}", a.uri, a.modelId, a.step,
                        e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Announcements in topic order, newest step first; of two of one step the later on the topic first (spec §7.2:
     * after a redeploy the newer line's snapshot, not the older one's).
     */
    static List<SnapshotAnnouncement> inPreference(List<SnapshotAnnouncement> inTopicOrder) {
        List<SnapshotAnnouncement> candidates = new ArrayList<>(inTopicOrder);
        java.util.Collections.reverse(candidates);
        candidates.sort(Comparator.comparingLong((SnapshotAnnouncement a) -> a.step).reversed()); // stable
        return candidates;
    }

    @Override
    public Snapshot named(String uri, String sha256) {
        return fetcher.fetch(uri, sha256);
    }

    private Snapshot load(SnapshotAnnouncement a) {
        return a.requireAnnounces(fetcher.fetch(a.uri, a.sha256));
    }

    private void readToEnd() {
        if (scan == null) {
            registry = ConfluentRegistryClient.create(registryOptions);
            reader = new UpdatesTopic.Reader(registry);
            scan = new TopicScan(bootstrapServers, topic, "seedflow-snapshot-announcements", Map.of(), pollTimeout,
                    pollTimeout.multipliedBy(50));
        }
        scan.readToEnd(r -> {
            if (r.value() == null) {
                return;
            }
            try {
                UpdatesTopic.Entry e = reader.read(r.value());
                if (e.announcement() != null && verifier != null && !verifier.verifies(e.announcement())) {
                    passedOverUnverified++;
                    LOG.warn("passing over the announcement of model '{}' step {} at {}-{}@{}: {}",
                            e.modelId(), e.announcement().step, r.topic(), r.partition(), r.offset(),
                            e.announcement().signature == null ? "unsigned"
                                    : "its signature does not verify with public key " + verifier.fingerprint());
                } else if (e.announcement() != null) {
                    announcements.computeIfAbsent(e.modelId(), k -> new ArrayList<>()).add(e.announcement());
                }
            } catch (UnknownLogContextException e) {
                // an update record whose context went with retention: nothing to do with announcements
            } catch (WireFormatException e) {
                LOG.warn("skipping undecodable value at {}-{}@{} while looking for snapshot announcements: {}",
                        r.topic(), r.partition(), r.offset(), e.getMessage());
            }
        });
    }

    /** The chain link announced with the snapshot {@link #newest} returned with this file SHA-256, if any. */
    public Optional<byte[]> chainHead(String snapshotSha256) {
        return Optional.ofNullable(chainHeads.get(snapshotSha256)).map(byte[]::clone);
    }

    @Override
    public String location() {
        return "announcements on topic " + topic + " at " + bootstrapServers + (verifier == null ? ""
                : " signed with public key " + verifier.fingerprint() + " (" + passedOverUnverified
                        + " unsigned or not verifying passed over)");
    }

    @Override
    public void close() {
        if (scan != null) {
            scan.close();
            scan = null;
        }
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }
}
