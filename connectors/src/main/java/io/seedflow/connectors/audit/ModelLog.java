package io.seedflow.connectors.audit;

import io.seedflow.connectors.audit.Finding.Check;
import io.seedflow.core.error.SeedFlowException;
import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.LogStep;
import io.seedflow.core.log.ModelRollback;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotAnnouncement;
import io.seedflow.core.snapshot.SnapshotReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One model's entries on the updates topic, in topic order, and the checks on them: one contiguous line of steps
 * ({@link #steps}), records and rollbacks alike, and a replay from the first announced snapshot that can be fetched,
 * matching every snapshot the records name as their base and every announced snapshot (file hash and weights hash),
 * both computed from the replayed weights by the deterministic snapshot encoding (update-log-spec §2, §7.1), and
 * every rollback's weights to the replayed version it returns to (§11).
 */
final class ModelLog {
    private final String modelId;
    private final List<Positioned<LogStep>> records = new ArrayList<>();
    private final List<Positioned<SnapshotAnnouncement>> announcements = new ArrayList<>();
    private final List<Positioned<LogSeal>> seals = new ArrayList<>();

    /** An entry and its offset on the topic. */
    record Positioned<T>(long offset, T entry) {
    }

    ModelLog(String modelId) {
        this.modelId = modelId;
    }

    String modelId() {
        return modelId;
    }

    void step(long offset, LogStep r) {
        records.add(new Positioned<>(offset, r));
    }

    void announcement(long offset, SnapshotAnnouncement a) {
        announcements.add(new Positioned<>(offset, a));
    }

    void seal(long offset, LogSeal seal) {
        seals.add(new Positioned<>(offset, seal));
    }

    /**
     * A signed log (docs/update-log-spec.md §10): the chain over the records, from the first announcement that carries
     * a link (or the root of the base snapshot when the log starts at step 1), must give the link every seal and every
     * signed announcement names; with a {@code verifier}, every signature must verify. An unsigned log gets one
     * warning.
     */
    List<Finding> signatures(LogSignatures.Verifier verifier) {
        List<SnapshotAnnouncement> linked = announcements.stream().map(Positioned::entry)
                .filter(a -> a.chainHead != null).toList();
        if (seals.isEmpty() && linked.isEmpty()) {
            return List.of(Finding.warn(Check.SIGNATURES, "model '" + modelId + "': the log is not signed (no seals, "
                    + "no signed announcements; docs/update-log-spec.md §10): the records' origin cannot be verified"));
        }
        TreeMap<Long, byte[]> links = chainLinks(linked);
        List<Finding> out = new ArrayList<>();
        List<Claim> claims = new ArrayList<>();
        for (Positioned<LogSeal> p : seals) {
            LogSeal seal = p.entry();
            claims.add(new Claim("seal", p.offset(), seal.step, seal.chainHead,
                    verifier == null || verifier.verifies(seal)));
        }
        for (Positioned<SnapshotAnnouncement> p : announcements) {
            SnapshotAnnouncement a = p.entry();
            if (a.chainHead != null) {
                claims.add(new Claim("announcement", p.offset(), a.step, a.chainHead,
                        verifier == null || verifier.verifies(a)));
            }
        }
        int badSignatures = 0;
        List<String> problems = new ArrayList<>();
        for (Claim c : claims) {
            if (!c.verifies()) {
                badSignatures++;
                problems.add("the " + c.kind() + " of step " + c.step() + " at offset " + c.offset()
                        + " does not verify with public key " + verifier.fingerprint());
            }
            compare(links, c.step(), c.link(), c.kind() + " at offset " + c.offset(), problems);
        }
        long sealed = seals.stream().mapToLong(p -> p.entry().step).max().orElse(-1);
        if (!seals.isEmpty() && !links.isEmpty() && links.lastKey() > sealed) {
            problems.add("steps " + (sealed + 1) + ".." + links.lastKey() + " are covered by no seal (seals commit "
                    + "with their records: forged, or written by a trainer without the key)");
        }
        for (String problem : problems.subList(0, Math.min(problems.size(), EventAccounting.MAX_LINES))) {
            out.add(Finding.fail(Check.SIGNATURES, "model '" + modelId + "': " + problem));
        }
        if (problems.isEmpty()) {
            out.add(Finding.ok(Check.SIGNATURES, "model '" + modelId + "': the chain over steps "
                    + (links.isEmpty() ? "-" : links.firstKey() + ".." + links.lastKey()) + " gives the link of all "
                    + claims.size() + " seals and signed announcements" + (verifier == null
                            ? "; signatures not checked (no --verify-key)"
                            : ", every signature verifies with public key " + verifier.fingerprint())));
        } else if (problems.size() > EventAccounting.MAX_LINES) {
            out.add(Finding.fail(Check.SIGNATURES, "model '" + modelId + "': " + problems.size() + " problems in all, "
                    + badSignatures + " of them signatures"));
        }
        return out;
    }

    /** A link the log states at a step (a seal's or a signed announcement's), and whether its signature verifies. */
    private record Claim(String kind, long offset, long step, byte[] link, boolean verifies) {
    }

    /** The chain link at each step from where the chain can start: the first linked announcement or step 0. */
    private TreeMap<Long, byte[]> chainLinks(List<SnapshotAnnouncement> linked) {
        TreeMap<Long, byte[]> links = new TreeMap<>();
        List<LogStep> line = records.stream().map(Positioned::entry)
                .sorted(Comparator.comparingLong(LogStep::step)).toList();
        if (line.isEmpty()) {
            return links;
        }
        LogStep first = line.get(0);
        if (first.step() == 1 && first instanceof UpdateRecord r) {
            links.put(0L, LogChain.root(modelId, 0, r.baseSnapshotId()));
        } else {
            linked.stream().filter(a -> a.step >= first.step() - 1).min(Comparator.comparingLong(a -> a.step))
                    .ifPresent(a -> links.put(a.step, a.chainHead));
        }
        if (links.isEmpty()) {
            return links;
        }
        for (LogStep r : line) {
            Long before = links.lastKey();
            if (r.step() == before + 1) {
                links.put(r.step(), UpdateRecordCodec.nextLink(links.get(before), r));
            }
        }
        return links;
    }

    private static void compare(TreeMap<Long, byte[]> links, long step, byte[] named, String what,
            List<String> problems) {
        byte[] link = links.get(step);
        if (link == null) {
            if (links.isEmpty() || step > links.lastKey()) {
                problems.add("the " + what + " names step " + step + ", beyond the records' chain ("
                        + (links.isEmpty() ? "none" : "up to step " + links.lastKey()) + ")");
            }
        } else if (!java.util.Arrays.equals(link, named)) {
            problems.add("the " + what + " names link " + LogChain.hex(named) + " at step " + step + " but the "
                    + "records give " + LogChain.hex(link) + ": a record was altered, forged or spliced in");
        }
    }

    /** Contiguous steps, no second line of steps (a fork), every record's base snapshot announced. */
    List<Finding> steps() {
        List<Finding> out = new ArrayList<>();
        int problems = 0;
        Positioned<LogStep> prev = null;
        for (Positioned<LogStep> p : records) {
            long step = p.entry().step();
            String problem = null;
            if (prev == null) {
                if (step != 1 && !announced(step - 1)) {
                    out.add(Finding.warn(Check.STEPS, "model '" + modelId + "': the log starts at step " + step
                            + " (offset " + p.offset() + ") without an announced snapshot of step " + (step - 1)
                            + " (its beginning went with retention?)"));
                }
            } else {
                long last = prev.entry().step();
                if (step == 1) {
                    problem = "a second step 1 at offset " + p.offset() + " after step " + last + " (offset "
                            + prev.offset() + "): the log forks; a trainer started without state on a model that "
                            + "already had a log";
                } else if (step > last + 1) {
                    problem = "steps " + (last + 1) + ".." + (step - 1) + " missing between offsets " + prev.offset()
                            + " and " + p.offset();
                } else if (step <= last) {
                    problem = "step " + step + " at offset " + p.offset() + " after step " + last
                            + ": written twice or out of order";
                }
            }
            if (problem != null && ++problems <= EventAccounting.MAX_LINES) {
                out.add(Finding.fail(Check.STEPS, "model '" + modelId + "': " + problem));
            }
            prev = p;
        }
        if (problems > EventAccounting.MAX_LINES) {
            out.add(Finding.fail(Check.STEPS, "model '" + modelId + "': " + problems + " breaks of the line of "
                    + "steps in all"));
        }
        Set<String> announcedShas = announcements.stream().map(a -> a.entry().sha256).collect(Collectors.toSet());
        Map<String, long[]> unannounced = new LinkedHashMap<>();
        for (Positioned<LogStep> p : records) {
            if (p.entry() instanceof UpdateRecord r && !announcedShas.contains(r.baseSnapshotId())) {
                long[] range = unannounced.computeIfAbsent(r.baseSnapshotId(), k -> new long[] {r.step(), r.step()});
                range[1] = r.step();
            }
        }
        for (Positioned<LogStep> p : records) {
            if (p.entry() instanceof ModelRollback r) {
                out.add(announcedShas.contains(r.snapshotSha256())
                        ? Finding.ok(Check.STEPS, "model '" + modelId + "': step " + r.step() + " (offset "
                                + p.offset() + ") rolls back to version " + r.toVersion() + ", undoing steps "
                                + r.firstUndone() + ".." + (r.step() - 1) + ", at "
                                + java.time.Instant.ofEpochMilli(r.createdMillis())
                                + (r.reason().isEmpty() ? "" : ": " + r.reason()))
                        : Finding.fail(Check.STEPS, "model '" + modelId + "': the rollback of step " + r.step()
                                + " (offset " + p.offset() + ") names snapshot " + r.snapshotSha256() + ", which is "
                                + "not announced (a rollback is written with its announcement)"));
            }
        }
        unannounced.forEach((sha, range) -> out.add(Finding.warn(Check.STEPS, "model '" + modelId + "': steps "
                + range[0] + ".." + range[1] + " name base snapshot " + sha + ", which is not announced (stored but "
                + "not announced yet, or lost)")));
        if (problems == 0) {
            out.add(0, Finding.ok(Check.STEPS, "model '" + modelId + "': " + (records.isEmpty() ? "no records"
                    : "steps " + records.get(0).entry().step() + ".." + records.get(records.size() - 1).entry().step()
                            + " contiguous in " + records.size() + " records" + rollbackCount()) + ", "
                    + announcements.size()
                    + " snapshot announcements"));
        }
        return out;
    }

    private String rollbackCount() {
        long n = records.stream().filter(p -> p.entry() instanceof ModelRollback).count();
        return n == 0 ? "" : " (" + n + (n == 1 ? " of them a rollback)" : " of them rollbacks)");
    }

    private boolean announced(long step) {
        return announcements.stream().anyMatch(a -> a.entry().step == step);
    }

    /** Replays the records from the first announced snapshot that {@code snapshots} can fetch and verify. */
    List<Finding> replay(SnapshotReader snapshots) {
        List<Finding> out = new ArrayList<>();
        List<SnapshotAnnouncement> byStep = announcements.stream().map(Positioned::entry)
                .sorted(Comparator.comparingLong((SnapshotAnnouncement a) -> a.step)).toList();
        Snapshot base = null;
        for (SnapshotAnnouncement a : byStep) {
            try {
                base = a.requireAnnounces(snapshots.load(a.uri, a.sha256));
                break;
            } catch (SeedFlowException e) {
                out.add(Finding.warn(Check.REPLAY, "model '" + modelId + "': announced snapshot of step " + a.step
                        + " (" + a.uri + ") cannot be used: " + e.getMessage()));
            }
        }
        if (base == null) {
            out.add(Finding.fail(Check.REPLAY, "model '" + modelId + "': no announced snapshot can be fetched and "
                    + "verified, so the log cannot be replayed"));
            return out;
        }
        Replica replica = new Replica(modelId, base.parameters(), base.step());
        Map<Long, List<SnapshotAnnouncement>> toCheck = new TreeMap<>();
        byStep.forEach(a -> toCheck.computeIfAbsent(a.step, s -> new ArrayList<>()).add(a));
        long baseStep = base.step();
        toCheck.keySet().removeIf(step -> step <= baseStep); // the earlier ones could not be loaded: reported above
        Map<Long, String> encoded = new HashMap<>(); // step -> SHA-256 of the replayed weights' snapshot encoding
        String currentBase = base.sha256();
        int named = 0;
        int matched = 0;
        long first = -1;
        Set<Long> rolledBackTo = records.stream().map(Positioned::entry).filter(ModelRollback.class::isInstance)
                .map(r -> ((ModelRollback) r).toVersion()).collect(Collectors.toSet());
        Map<Long, String> weightsAt = new HashMap<>(); // of the versions a rollback returns to
        for (Positioned<LogStep> p : records) {
            if (p.entry().step() <= base.step()) {
                continue;
            }
            if (p.entry() instanceof ModelRollback back) {
                try {
                    replica = rolledBack(replica, back, weightsAt, snapshots, out);
                } catch (SeedFlowException e) {
                    out.add(Finding.fail(Check.REPLAY, "model '" + modelId + "': the replay stops at the rollback of "
                            + "step " + back.step() + " (offset " + p.offset() + "): " + e.getClass().getSimpleName()
                            + ": " + e.getMessage()));
                    return out;
                }
                currentBase = back.snapshotSha256();
                encoded.put(replica.version(), back.snapshotSha256());
                first = first < 0 ? back.step() : first;
                int due = toCheck.getOrDefault(replica.version(), List.of()).size();
                if (!matchesAnnounced(toCheck, encoded, replica, base.modelSpec(), out)) {
                    return out;
                }
                matched += due;
                continue;
            }
            UpdateRecord r = (UpdateRecord) p.entry();
            if (!r.baseSnapshotId().equals(currentBase) && r.step() == replica.version() + 1) {
                String sha = encode(encoded, replica, base.modelSpec());
                named++;
                if (!sha.equals(r.baseSnapshotId())) {
                    out.add(Finding.fail(Check.REPLAY, "model '" + modelId + "': step " + r.step() + " (offset "
                            + p.offset() + ") names base snapshot " + r.baseSnapshotId() + ", but the replayed "
                            + "weights of step " + replica.version() + " encode to " + sha));
                    return out;
                }
                currentBase = r.baseSnapshotId();
            }
            try {
                replica.apply(r);
            } catch (SeedFlowException e) {
                out.add(Finding.fail(Check.REPLAY, "model '" + modelId + "': the replay stops at the record of step "
                        + r.step() + " (offset " + p.offset() + "): " + e.getClass().getSimpleName() + ": "
                        + e.getMessage()));
                return out;
            }
            first = first < 0 ? r.step() : first;
            if (rolledBackTo.contains(replica.version())) {
                weightsAt.put(replica.version(), replica.parameters().weightsSha256());
            }
            int due = toCheck.getOrDefault(replica.version(), List.of()).size();
            if (!matchesAnnounced(toCheck, encoded, replica, base.modelSpec(), out)) {
                return out;
            }
            matched += due;
        }
        toCheck.forEach((step, list) -> out.add(Finding.warn(Check.REPLAY, "model '" + modelId + "': the snapshot "
                + "announced for step " + step + " is beyond the replayed steps: not checked")));
        out.add(0, Finding.ok(Check.REPLAY, "model '" + modelId + "': replayed " + (first < 0 ? "no records"
                : "steps " + first + ".." + replica.version()) + " from the snapshot of step " + base.step() + " ("
                + base.sha256() + "): the " + named + " base snapshots the records name and the " + matched
                + " announced snapshots match; weights at version " + replica.version() + ": "
                + replica.parameters().weightsSha256()));
        return out;
    }

    /** Whether the snapshots announced for the replica's version match it (a failure is added to {@code out}). */
    private boolean matchesAnnounced(Map<Long, List<SnapshotAnnouncement>> toCheck, Map<Long, String> encoded,
            Replica replica, String modelSpec, List<Finding> out) {
        List<SnapshotAnnouncement> due = toCheck.remove(replica.version());
        for (SnapshotAnnouncement a : due == null ? List.<SnapshotAnnouncement>of() : due) {
            String sha = encode(encoded, replica, modelSpec);
            String weights = replica.parameters().weightsSha256();
            if (!sha.equals(a.sha256) || !weights.equals(a.weightsSha256)) {
                out.add(Finding.fail(Check.REPLAY, "model '" + modelId + "': the snapshot announced for step "
                        + a.step + " (file " + a.sha256 + ", weights " + a.weightsSha256 + ") differs from the "
                        + "replay (file " + sha + ", weights " + weights + ")"));
                return false;
            }
        }
        return true;
    }

    /**
     * The replica after {@code back}: its snapshot's weights, which must be those the replay had at the version it
     * returns to (a warning where that version is before the replay's first snapshot).
     */
    private Replica rolledBack(Replica replica, ModelRollback back, Map<Long, String> weightsAt,
            SnapshotReader snapshots, List<Finding> out) {
        String replayed = weightsAt.get(back.toVersion());
        if (replayed == null) {
            out.add(Finding.warn(Check.REPLAY, "model '" + modelId + "': the rollback of step " + back.step()
                    + " returns to version " + back.toVersion() + ", before the replay's first snapshot: its weights "
                    + "are not checked against a replay"));
        } else if (!replayed.equals(back.weightsSha256())) {
            throw new io.seedflow.core.error.SnapshotIntegrityException("it names the weights " + back.weightsSha256()
                    + " for version " + back.toVersion() + " but the replay had " + replayed + " there");
        }
        return replica.rolledBack(back, snapshots.load(back.snapshotUri(), back.snapshotSha256()));
    }

    private String encode(Map<Long, String> encoded, Replica replica, String modelSpec) {
        return encoded.computeIfAbsent(replica.version(),
                v -> EncodedSnapshot.of(modelId, v, modelSpec, replica.parameters()).sha256());
    }
}
