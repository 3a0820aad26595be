package io.seedflow.connectors.kafka;

import io.seedflow.core.error.ForkedLogException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Which of two writers of one model's log goes on (docs/update-log-spec.md §7.4), decided from the steps on the
 * updates topic in offset order, as one writer sees them: its own values (records it wrote) and the others' (records
 * and rollbacks, committed or still pending; aborted ones left out). Per model, let {@code s0} be the first step
 * this writer wrote. For each other writer, its first value with a step at or after {@code s0} decides: this writer
 * goes on (against that writer, for good) if its own value of that step came before it on the topic, and must stop
 * otherwise (its value of that step would come second, or it has not written it yet and would). A rollback written by
 * anyone else stops it. Two writers that both apply the rule never both commit a value of one step (the proof is in
 * the spec). Values without a writer id count as one other writer. Not thread-safe.
 */
final class FenceRule {
    /** Values of a model seen before this writer wrote any of it (kept for when it does), at most this many. */
    static final int MAX_EARLY_VALUES = 10_000;

    private final Map<String, Line> lines = new HashMap<>();

    /** One value on the topic: where, which model, which step, whether a rollback, whether this writer's own. */
    record Value(String topicPartition, long offset, String modelId, long step, boolean rollback, boolean own,
            String writer) {
    }

    private static final class Line {
        long firstWritten = -1; // s0; -1 until this writer writes the model
        long ownSeen = -1; // the newest own step seen on the topic
        final java.util.Set<String> wonAgainst = new java.util.HashSet<>(); // other writers that stop, not this one
        ForkedLogException lost;
        final Deque<Value> early = new ArrayDeque<>();
    }

    /** This writer writes step {@code step} of {@code modelId} (in step order). */
    void wrote(String modelId, long step) {
        Line line = lines.computeIfAbsent(modelId, m -> new Line());
        if (line.firstWritten < 0) {
            line.firstWritten = step;
            for (Value v : line.early) {
                judge(line, v);
            }
            line.early.clear();
        }
    }

    /** A value read from the topic, in offset order. */
    void seen(Value v) {
        Line line = lines.computeIfAbsent(v.modelId(), m -> new Line());
        if (line.firstWritten < 0) {
            if (!v.own()) {
                line.early.addLast(v);
                if (line.early.size() > MAX_EARLY_VALUES) {
                    line.early.removeFirst();
                }
            }
            return;
        }
        judge(line, v);
    }

    private void judge(Line line, Value v) {
        if (v.own()) {
            line.ownSeen = Math.max(line.ownSeen, v.step());
            return;
        }
        String other = String.valueOf(v.writer());
        if (line.lost != null || v.step() < line.firstWritten || (line.wonAgainst.contains(other) && !v.rollback())) {
            return;
        }
        if (v.rollback()) {
            line.lost = new ForkedLogException("model '" + v.modelId() + "': a rollback to its step " + v.step()
                    + " was written at " + v.topicPartition() + "@" + v.offset() + " while this job trains the model "
                    + "(stop the trainer before rolling back); this job stops without restarts and its uncommitted "
                    + "steps are discarded");
        } else if (line.ownSeen >= v.step()) {
            line.wonAgainst.add(other); // its value of this step came second: it stops, this one goes on
        } else {
            line.lost = new ForkedLogException("model '" + v.modelId() + "': another writer ("
                    + (v.writer() == null ? "no writer id" : "job " + v.writer()) + ") wrote step " + v.step()
                    + " of its log at " + v.topicPartition() + "@" + v.offset() + ", before this job's own step "
                    + v.step() + ": two trainers write the model at once; this job stops without restarts and its "
                    + "uncommitted steps are discarded, so the log stays one line of steps");
        }
    }

    /**
     * @throws ForkedLogException for the first model this writer must stop writing
     */
    void requireGoOn() {
        for (Line line : lines.values()) {
            if (line.lost != null) {
                throw line.lost;
            }
        }
    }
}
