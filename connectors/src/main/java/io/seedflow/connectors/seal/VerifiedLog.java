package io.seedflow.connectors.seal;

import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.error.LogVerificationException;
import io.seedflow.core.error.UpdateLogGapException;
import io.seedflow.core.error.UpdateOrderException;
import io.seedflow.core.log.LogChain;
import io.seedflow.core.log.LogSeal;
import io.seedflow.core.log.LogSignatures;
import io.seedflow.core.log.LogStep;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;

/**
 * What a replica that holds the trainer's public key may apply (docs/update-log-spec.md §10): starting from a signed
 * snapshot's chain link, it holds back the records read after it, follows the chain over them, and releases them only
 * when a seal whose signature verifies names the same link at their step. A record that is altered, forged,
 * reordered, dropped or spliced in cannot match the trainer's chain, so it is refused with the records around it and
 * nothing of them is applied. Not thread-safe (the subscriber's thread).
 */
public final class VerifiedLog {
    /** Records held at most while no seal comes: a trainer seals at every checkpoint, so this many means it stopped. */
    public static final int DEFAULT_MAX_HELD = 100_000;

    private final String modelId;
    private final int maxHeld;
    private final LogSignatures.Verifier verifier;
    private final Deque<Held> held = new ArrayDeque<>();
    private final TreeMap<Long, LogSeal> earlySeals = new TreeMap<>();
    private long verifiedStep;
    private long heldStep;
    private byte[] heldHead;

    private record Held(LogStep record, byte[] link) {
    }

    public VerifiedLog(String modelId, LogSignatures.Verifier verifier) {
        this(modelId, verifier, DEFAULT_MAX_HELD);
    }

    /** @param maxHeld the most records held back without a seal before the log is refused */
    public VerifiedLog(String modelId, LogSignatures.Verifier verifier, int maxHeld) {
        this.modelId = modelId;
        this.verifier = verifier;
        this.maxHeld = maxHeld;
    }

    /** (Re)starts at a signed snapshot of {@code step} whose chain link is {@code head}; drops what was held. */
    public void start(long step, byte[] head) {
        held.clear();
        earlySeals.clear();
        verifiedStep = step;
        heldStep = step;
        heldHead = LogChain.requireLink(head, "chain head of the snapshot of step " + step).clone();
    }

    /** The newest step a seal has verified (or the snapshot's). */
    public long verifiedStep() {
        return verifiedStep;
    }

    /** How many records are held back, waiting for a seal. */
    public int heldRecords() {
        return held.size();
    }

    /**
     * Holds {@code r} back (a record or a rollback, docs/update-log-spec.md §11; it must be the next step after those
     * held) and returns the records a seal read earlier
     * now verifies, in step order.
     *
     * @throws UpdateLogGapException if steps are missing before it (the caller re-bootstraps)
     * @throws UpdateOrderException if its step is already held or verified
     * @throws LogVerificationException if a seal read earlier names another link at its step, or more than the bound
     *         of records came without a seal (the trainer no longer signs, or the records are not its own)
     */
    public List<LogStep> offer(LogStep r) {
        if (r.step() > heldStep + 1) {
            throw new UpdateLogGapException(modelId, heldStep + 1, r.step());
        }
        if (r.step() <= heldStep) {
            throw new UpdateOrderException(modelId, heldStep + 1, r.step());
        }
        heldHead = UpdateRecordCodec.nextLink(heldHead, r);
        heldStep = r.step();
        held.addLast(new Held(r, heldHead));
        LogSeal due = earlySeals.remove(r.step());
        earlySeals.headMap(r.step()).clear();
        if (due == null && held.size() > maxHeld) {
            throw new LogVerificationException("model '" + modelId + "': " + held.size() + " records (steps "
                    + (verifiedStep + 1) + ".." + heldStep + ") came without a seal that verifies them (more than "
                    + maxHeld + "); the trainer no longer signs its log with this key, or the records are not its own");
        }
        return due == null ? List.of() : release(due);
    }

    /**
     * Checks {@code seal} and returns the records it verifies, in step order (none if it is for a step not read yet:
     * it waits for them, or for a step already verified).
     *
     * @throws LogVerificationException if its signature does not verify with the key, or the records read up to its
     *         step do not end in its link
     */
    public List<LogStep> offer(LogSeal seal) {
        if (!verifier.verifies(seal)) {
            throw new LogVerificationException("model '" + modelId + "': the seal of step " + seal.step
                    + " does not verify with the configured public key " + verifier.fingerprint()
                    + " (forged, altered, or signed with another key)");
        }
        if (seal.step <= verifiedStep) {
            return List.of();
        }
        if (seal.step > heldStep) {
            earlySeals.put(seal.step, seal);
            return List.of();
        }
        return release(seal);
    }

    private List<LogStep> release(LogSeal seal) {
        byte[] link = null;
        for (Held h : held) {
            if (h.record().step() == seal.step) {
                link = h.link();
                break;
            }
        }
        if (!Arrays.equals(link, seal.chainHead)) {
            throw new LogVerificationException("model '" + modelId + "': the records of steps " + (verifiedStep + 1)
                    + ".." + seal.step + " do not continue the signed chain: the trainer's seal of step " + seal.step
                    + " names link " + LogChain.hex(seal.chainHead) + ", the records read give "
                    + LogChain.hex(link) + " (a record was altered, forged, reordered, dropped or spliced in); none "
                    + "of them is applied");
        }
        List<LogStep> out = new ArrayList<>();
        while (!held.isEmpty() && held.peekFirst().record().step() <= seal.step) {
            out.add(held.removeFirst().record());
        }
        verifiedStep = seal.step;
        return out;
    }
}
